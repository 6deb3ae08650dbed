using Azure.Storage.Queues;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 5: what an Azure developer would use instead — Storage Queues on the same Azurite, 1 KiB messages,
/// 16 senders and 16 receivers (receive 32, delete each, as a consumer must) — and the log's ratio to it.
/// </summary>
internal static class QueueSection
{
    public static async Task RunAsync(BenchmarkRun run, string connectionString)
    {
        var queue = new QueueClient(connectionString, "bench-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateAsync().ConfigureAwait(false);
        var message = new string('q', 1024);

        run.Step("Storage Queues send, 1 KiB, 16 senders");
        var send = await Load.RunAsync(run.Duration, 16, async _ =>
        {
            await queue.SendMessageAsync(message).ConfigureAwait(false);
            return new Load.Done(1, 1024);
        }).ConfigureAwait(false);
        var sent = run.Add(new Measurement(Sections.Queues, "queue send, 1 KiB, 16 senders")
        {
            RecordsPerSecond = send.RecordsPerSecond,
            MegabytesPerSecond = send.MegabytesPerSecond,
            RequestsPerSecond = send.OperationsPerSecond,
        });

        run.Step("Storage Queues receive and delete, 16 receivers");
        var receive = await Load.RunAsync(run.Duration, 16, async _ =>
        {
            var messages = (await queue.ReceiveMessagesAsync(32).ConfigureAwait(false)).Value;
            await Task.WhenAll(messages.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt))).ConfigureAwait(false);
            return new Load.Done(messages.Length, messages.Length * 1024L);
        }).ConfigureAwait(false);
        var received = run.Add(new Measurement(Sections.Queues, "queue receive + delete, 1 KiB, 16 receivers")
        {
            RecordsPerSecond = receive.RecordsPerSecond,
            MegabytesPerSecond = receive.MegabytesPerSecond,
            RequestsPerSecond = receive.OperationsPerSecond,
            Note = "stops early if the queue runs dry",
        });

        if (run.Measurements.FirstOrDefault(m => m.Section == Sections.HttpProduce && m.Case == "binary, SDK, 16 producer(s)") is { } produce)
        {
            run.Add(Ratio("log produce (SDK, 16 producers) / queue send", produce, sent));
        }

        if (run.Measurements.Where(m => m.Section == Sections.Fetch && m.Case.StartsWith("HTTP", StringComparison.Ordinal)).MaxBy(m => m.RecordsPerSecond) is { } fetch)
        {
            run.Add(Ratio("log fetch (SDK consumer) / queue receive", fetch, received));
        }

        await queue.DeleteAsync().ConfigureAwait(false);
    }

    private static Measurement Ratio(string label, Measurement log, Measurement queue) => new(Sections.Queues, label)
    {
        RecordsPerSecond = log.RecordsPerSecond,
        Against = $"{queue.Section}: {queue.Case}",
        Ratio = log.RecordsPerSecond / queue.RecordsPerSecond,
        RatioOf = "records/s",
    };
}

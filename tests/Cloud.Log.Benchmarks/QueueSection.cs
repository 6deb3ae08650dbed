using Azure.Storage.Queues;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 5: what an Azure developer would use instead — Storage Queues on the same Azurite, 1 KiB messages,
/// 16 senders, then 16 receivers draining what they sent (receive 32, delete each, as a consumer must) — and
/// the log's ratio to it.
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

        // Everything the send left in the queue (its warm-up too), drained by 16 receivers: timed from the first
        // receive to the last message, so that an empty queue at the end does not count as slow receiving.
        run.Step("Storage Queues receive and delete, 16 receivers, draining what was sent");
        long received = 0, receives = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastMessageAt = TimeSpan.Zero;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (true)
            {
                var messages = (await queue.ReceiveMessagesAsync(32).ConfigureAwait(false)).Value;
                Interlocked.Increment(ref receives);
                if (messages.Length == 0)
                {
                    return;
                }

                await Task.WhenAll(messages.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt))).ConfigureAwait(false);
                Interlocked.Add(ref received, messages.Length);
                lock (clock)
                {
                    lastMessageAt = clock.Elapsed;
                }
            }
        })).ConfigureAwait(false);
        var seconds = Math.Max(lastMessageAt.TotalSeconds, 1e-3);
        var drained = run.Add(new Measurement(Sections.Queues, "queue receive + delete, 1 KiB, 16 receivers")
        {
            RecordsPerSecond = received / seconds,
            MegabytesPerSecond = received * 1024.0 / seconds / (1024 * 1024),
            RequestsPerSecond = (receives + received) / seconds,
            Figures = { ["messages drained"] = received },
            Note = "drains what the send left; requests = receives + deletes",
        });

        if (run.Measurements.FirstOrDefault(m => m.Section == Sections.HttpProduce && m.Case == "binary, SDK, 16 producer(s)") is { } produce)
        {
            run.Add(Ratio("log produce (SDK, 16 producers) / queue send", produce, sent));
        }

        if (run.Measurements.Where(m => m.Section == Sections.Fetch && m.Case.StartsWith("HTTP (SDK consumer)", StringComparison.Ordinal)).MaxBy(m => m.RecordsPerSecond) is { } fetch)
        {
            run.Add(Ratio("log fetch (SDK consumer) / queue receive", fetch, drained));
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

using Azure.Storage.Queues;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 5: what an Azure developer would use instead — Storage Queues on the same Azurite, 1 KiB messages,
/// 16 senders, then 16 receivers draining a backlog (receive 32, delete each, as a consumer must) — and the
/// log's ratio to it, each measured in alternating rounds with the log's own case (the SDK's producer, 16
/// producers; the SDK's consumer, 8 partitions), beside the ratio raw AppendBlock itself reaches (the ceiling on
/// this storage).
/// </summary>
internal static class QueueSection
{
    public const string Ceiling = "raw AppendBlock (fastest of the run, as 1 KiB records) / queue send ×";

    /// <summary>Rounds of the log's produce (<paramref name="logProduce"/>) and queue sends, in alternation.</summary>
    public static async Task RunSendAsync(BenchmarkRun run, string connectionString, Func<Task<Measurement>> logProduce)
    {
        var row = await Paired.RunAsync(run, Sections.Queues, "log produce (SDK, 16 producers) / queue send", async _ =>
        {
            var log = await logProduce().ConfigureAwait(false);
            return new Paired.CaseRound(log, () => SendRoundAsync(run, connectionString));
        }, of: "records/s").ConfigureAwait(false);

        // The ceiling of that ratio on this storage: the fastest raw AppendBlock of the run, as 1 KiB records.
        if (run.Measurements.Where(m => m.Section == Sections.RawAppend && m.Case.Contains(" 1 location(s)", StringComparison.Ordinal)).MaxBy(m => m.MegabytesPerSecond) is { } fastest
            && run.Measurements.FirstOrDefault(m => row.Against == $"{m.Section}: {m.Case}") is { } send)
        {
            run.Add(new Measurement(Sections.Queues, "raw AppendBlock (fastest of the run, as 1 KiB records) / queue send")
            {
                RecordsPerSecond = fastest.MegabytesPerSecond * 1024,
                Figures = { [Ceiling] = fastest.MegabytesPerSecond * 1024 / send.RecordsPerSecond },
                Note = $"the ceiling of the log / queue ratio on this storage ({fastest.Case})",
            });
        }
    }

    /// <summary>Rounds of the log's fetch (<paramref name="logFetch"/>) and queue receives, in alternation.</summary>
    public static Task RunReceiveAsync(BenchmarkRun run, string connectionString, Func<Task<Measurement>> logFetch) =>
        Paired.RunAsync(run, Sections.Queues, "log fetch (SDK consumer, 8 partitions) / queue receive", async _ =>
        {
            var log = await logFetch().ConfigureAwait(false);
            return new Paired.CaseRound(log, () => ReceiveRoundAsync(run, connectionString));
        }, of: "records/s");

    /// <summary>One round of sends: 16 senders of 1 KiB messages to a fresh queue.</summary>
    public static async Task<Measurement> SendRoundAsync(BenchmarkRun run, string connectionString)
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
        await queue.DeleteAsync().ConfigureAwait(false);
        return new Measurement(Sections.Queues, "queue send, 1 KiB, 16 senders")
        {
            RecordsPerSecond = send.RecordsPerSecond,
            MegabytesPerSecond = send.MegabytesPerSecond,
            RequestsPerSecond = send.OperationsPerSecond,
            Figures = { ["machine CPU busy %"] = send.MachineCpuPercent, [MachineCpu.StolenFigure] = send.MachineStolenPercent, ["failed operations"] = send.Failures },
        };
    }

    /// <summary>
    /// One round of receiving: a fresh queue with a small fixed backlog, as a queue whose consumers keep up holds,
    /// drained by 16 receivers and timed from the first receive to the last message (an empty queue at the end
    /// must not count as slow receiving). Small because Azurite's receive slows as its queue deepens (about 1,200
    /// messages/s from 500 deep, 440 from 2,000, 90 from 10,000): the generous figure for queues.
    /// </summary>
    public static async Task<Measurement> ReceiveRoundAsync(BenchmarkRun run, string connectionString)
    {
        var queue = new QueueClient(connectionString, "bench-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateAsync().ConfigureAwait(false);
        var message = new string('q', 1024);
        const int backlog = 500;
        run.Step($"Storage Queues: a backlog of {backlog} messages");
        var toSend = backlog;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            while (Interlocked.Decrement(ref toSend) >= 0)
            {
                await queue.SendMessageAsync(message).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);

        run.Step("Storage Queues receive and delete, 16 receivers, draining the backlog");
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
        await queue.DeleteAsync().ConfigureAwait(false);
        var seconds = Math.Max(lastMessageAt.TotalSeconds, 1e-3);
        return new Measurement(Sections.Queues, "queue receive + delete, 1 KiB, 16 receivers")
        {
            RecordsPerSecond = received / seconds,
            MegabytesPerSecond = received * 1024.0 / seconds / (1024 * 1024),
            RequestsPerSecond = (receives + received) / seconds,
            Figures = { ["messages drained"] = received },
            Note = "drains a fixed backlog; requests = receives + deletes",
        };
    }
}

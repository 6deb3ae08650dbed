using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cloud.Log.Benchmarks;

/// <summary>Runs an operation from several workers for a fixed time and counts what they did.</summary>
internal static class Load
{
    /// <summary>One operation's outcome: records and bytes it moved.</summary>
    public readonly record struct Done(long Records, long Bytes);

    /// <summary>
    /// Runs <paramref name="operation"/> (given the worker's number) in a loop on <paramref name="workers"/>
    /// workers for <paramref name="duration"/>, after a warm-up of a fifth of it that is not counted.
    /// </summary>
    /// <param name="duration">How long to count.</param>
    /// <param name="workers">How many workers run the operation at once.</param>
    /// <param name="operation">One operation of a worker.</param>
    /// <param name="recordLatency">Whether to keep each operation's latency.</param>
    /// <param name="countingStarts">Called when the warm-up ends, e.g. to read counters from there.</param>
    /// <param name="processes">Processes (name → id) whose CPU to measure while counting.</param>
    public static async Task<LoadResult> RunAsync(TimeSpan duration, int workers, Func<int, Task<Done>> operation, bool recordLatency = false, Action? countingStarts = null, IReadOnlyDictionary<string, int>? processes = null)
    {
        var processCpu = new ProcessCpu();
        var warmUp = duration / 5;
        var counting = false;
        long operations = 0, records = 0, bytes = 0;
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var stopAt = warmUp + duration;
        TimeSpan countedFrom = default;
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            while (clock.Elapsed < stopAt)
            {
                var started = clock.Elapsed;
                var done = await operation(worker).ConfigureAwait(false);
                if (Volatile.Read(ref counting))
                {
                    Interlocked.Increment(ref operations);
                    Interlocked.Add(ref records, done.Records);
                    Interlocked.Add(ref bytes, done.Bytes);
                    if (recordLatency)
                    {
                        latencies.Add((clock.Elapsed - started).TotalMilliseconds);
                    }
                }
            }
        })).ToList();

        await Task.Delay(warmUp).ConfigureAwait(false);
        countingStarts?.Invoke();
        countedFrom = clock.Elapsed;
        var cpu = MachineCpu.Read();
        processCpu.Start(processes ?? new Dictionary<string, int>());
        Volatile.Write(ref counting, true);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new LoadResult(operations, records, bytes, clock.Elapsed - countedFrom, [.. latencies])
        {
            MachineCpuPercent = MachineCpu.Read().BusyPercentSince(cpu),
            ProcessCpuPercent = processCpu.PercentOfACore(),
        };
    }
}

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
    /// workers: first a warm-up, at least a fifth of <paramref name="duration"/> and until every worker has done
    /// one operation; then the counted window, at least <paramref name="duration"/> and until as many operations
    /// as workers have started in it (so that a window shorter than an operation still counts some).
    /// An operation counts when it <em>started</em> inside the window, however late it ends, and the rates are
    /// over the window's length: in a steady state the operations cut off at the window's start and the ones
    /// running past its end cancel out, and nothing begun in the warm-up is counted. An operation that throws
    /// moves nothing and is counted in <see cref="LoadResult.Failures"/>; its worker goes on.
    /// </summary>
    /// <param name="duration">How long to count, at least.</param>
    /// <param name="workers">How many workers run the operation at once.</param>
    /// <param name="operation">One operation of a worker.</param>
    /// <param name="recordLatency">Whether to keep each counted operation's latency.</param>
    /// <param name="countingStarts">Called when the warm-up ends, e.g. to read counters from there.</param>
    /// <param name="processes">Processes (name → id) whose CPU to measure while counting.</param>
    public static async Task<LoadResult> RunAsync(TimeSpan duration, int workers, Func<int, Task<Done>> operation, bool recordLatency = false, Action? countingStarts = null, IReadOnlyDictionary<string, int>? processes = null)
    {
        var processCpu = new ProcessCpu();
        var clock = Stopwatch.StartNew();
        var windowStart = TimeSpan.MaxValue.Ticks;
        var windowEnd = TimeSpan.MaxValue.Ticks;
        long operations = 0, records = 0, bytes = 0, startedInWindow = 0, warmedWorkers = 0, failures = 0, allRecords = 0;
        Exception? firstFailure = null;
        var latencies = new ConcurrentBag<double>();
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var warmed = false;
            while (clock.Elapsed.Ticks is var started && started < Volatile.Read(ref windowEnd))
            {
                var counted = started >= Volatile.Read(ref windowStart);
                if (counted)
                {
                    Interlocked.Increment(ref startedInWindow);
                }

                Done done;
                try
                {
                    done = await operation(worker).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failed operation moved nothing; it is counted and reported, and the worker goes on.
                    Interlocked.CompareExchange(ref firstFailure, e, null);
                    if (counted)
                    {
                        Interlocked.Increment(ref failures);
                    }

                    await Task.Delay(10).ConfigureAwait(false);
                    continue;
                }

                Interlocked.Add(ref allRecords, done.Records);
                if (!warmed)
                {
                    warmed = true;
                    Interlocked.Increment(ref warmedWorkers);
                }

                if (counted)
                {
                    Interlocked.Increment(ref operations);
                    Interlocked.Add(ref records, done.Records);
                    Interlocked.Add(ref bytes, done.Bytes);
                    if (recordLatency)
                    {
                        latencies.Add((clock.Elapsed - TimeSpan.FromTicks(started)).TotalMilliseconds);
                    }
                }
            }
        })).ToList();

        // A stuck case ends, with what it did: the warm-up and the window each wait at most this long, each from its
        // own start. (One limit from the warm-up's start ended a window at once when the warm-up had used it up, as
        // a quick run on a loaded machine did: its window saw no operation start and measured nothing.)
        var limit = duration * 50;
        await Task.Delay(duration / 5).ConfigureAwait(false);
        while (Interlocked.Read(ref warmedWorkers) < workers && clock.Elapsed < limit)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }

        countingStarts?.Invoke();
        var cpu = MachineCpu.Read();
        processCpu.Start(processes ?? new Dictionary<string, int>());
        var from = clock.Elapsed;
        Volatile.Write(ref windowStart, from.Ticks);
        await Task.Delay(duration).ConfigureAwait(false);
        while (Interlocked.Read(ref startedInWindow) < workers && clock.Elapsed - from < limit)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }

        var to = clock.Elapsed;
        Volatile.Write(ref windowEnd, to.Ticks);
        var machine = MachineCpu.Read();
        var processPercent = processCpu.PercentOfACore();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new LoadResult(operations, records, bytes, to - from, [.. latencies])
        {
            MachineCpuPercent = machine.BusyPercentSince(cpu),
            MachineStolenPercent = machine.StolenPercentSince(cpu),
            ProcessCpuPercent = processPercent,
            Failures = failures,
            AllRecords = Interlocked.Read(ref allRecords),
            FirstFailure = firstFailure?.GetType().Name + ": " + firstFailure?.Message,
        };
    }

    /// <summary>
    /// Runs <paramref name="operation"/> one at a time: <paramref name="warmUp"/> times uncounted, then
    /// <paramref name="samples"/> times, keeping each one's latency.
    /// </summary>
    public static async Task<LoadResult> SampleAsync(int samples, int warmUp, Func<Task<Done>> operation)
    {
        for (var i = 0; i < warmUp; i++)
        {
            await operation().ConfigureAwait(false);
        }

        var latencies = new List<double>(samples);
        long records = 0, bytes = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var done = await operation().ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            records += done.Records;
            bytes += done.Bytes;
        }

        return new LoadResult(samples, records, bytes, clock.Elapsed, latencies);
    }
}

using System.Diagnostics;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// The CPU time of named processes (the benchmark itself, Azurite, the server) between two moments, as percent of
/// one core: shows which process a case is bound by. Azurite runs its requests on one JavaScript thread, so near
/// 100% it is the limit whatever the log does; a process that has exited reads as zero. For Azurite, how long its
/// main thread waited for a CPU too (<see cref="MainThreadSchedule"/>): a case that keeps it under 100% of a core
/// while it waits shares the machine's cores with it.
/// </summary>
internal sealed class ProcessCpu
{
    /// <summary>The processes that serve their requests on their main thread, whose waits for a CPU are reported.</summary>
    private static readonly HashSet<string> SingleThreaded = ["Azurite"];

    private readonly Dictionary<string, (int Id, TimeSpan Cpu)> _start = [];
    private readonly Dictionary<string, MainThreadSchedule> _mainThreads = [];
    private long _startedAt;

    /// <summary>Takes the starting readings of <paramref name="processes"/> (name → process id).</summary>
    public void Start(IReadOnlyDictionary<string, int> processes)
    {
        _start.Clear();
        _mainThreads.Clear();
        foreach (var (name, id) in processes)
        {
            _start[name] = (id, Read(id));
            if (SingleThreaded.Contains(name) && MainThreadSchedule.Read(id) is { } schedule)
            {
                _mainThreads[name] = schedule;
            }
        }

        _startedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Each process's CPU since <see cref="Start"/>, in percent of one core, as figures named "{name} CPU % of a
    /// core", and for Azurite "{name} main thread waiting for a CPU %".
    /// </summary>
    public Dictionary<string, double> PercentOfACore()
    {
        var elapsed = Stopwatch.GetElapsedTime(_startedAt);
        var figures = _start.ToDictionary(p => $"{p.Key} CPU % of a core", p => Read(p.Value.Id) is var now && now > TimeSpan.Zero ? 100.0 * (now - p.Value.Cpu) / elapsed : double.NaN);
        foreach (var (name, start) in _mainThreads)
        {
            if (MainThreadSchedule.Read(_start[name].Id) is { } now)
            {
                figures[$"{name} main thread waiting for a CPU %"] = now.WaitPercentSince(start, elapsed);
            }
        }

        return figures;
    }

    private static TimeSpan Read(int id)
    {
        try
        {
            using var process = Process.GetProcessById(id);
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return TimeSpan.Zero; // gone
        }
    }
}

using System.Diagnostics;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// The CPU time of named processes (the benchmark itself, Azurite, the server) between two moments, as percent of
/// one core: shows which process a case is bound by. Azurite runs its requests on one JavaScript thread, so near
/// 100% it is the limit whatever the log does; a process that has exited reads as zero.
/// </summary>
internal sealed class ProcessCpu
{
    private readonly Dictionary<string, (int Id, TimeSpan Cpu)> _start = [];
    private long _startedAt;

    /// <summary>Takes the starting readings of <paramref name="processes"/> (name → process id).</summary>
    public void Start(IReadOnlyDictionary<string, int> processes)
    {
        _start.Clear();
        foreach (var (name, id) in processes)
        {
            _start[name] = (id, Read(id));
        }

        _startedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Each process's CPU since <see cref="Start"/>, in percent of one core, as figures named "{name} CPU % of a core".</summary>
    public Dictionary<string, double> PercentOfACore()
    {
        var elapsed = Stopwatch.GetElapsedTime(_startedAt);
        return _start.ToDictionary(p => $"{p.Key} CPU % of a core", p => Read(p.Value.Id) is var now && now > TimeSpan.Zero ? 100.0 * (now - p.Value.Cpu) / elapsed : double.NaN);
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

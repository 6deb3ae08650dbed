using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// How busy the whole machine's cores were between two readings of /proc/stat: the benchmark, the server and
/// Azurite share them, so a case near 100% is bound by the machine's CPU rather than by the storage.
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Total)
{
    /// <summary>The counters now; zero where /proc/stat is missing (not Linux).</summary>
    public static MachineCpu Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return default;
        }

        // "cpu  user nice system idle iowait irq softirq steal ...": idle and iowait are the idle time.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        return new MachineCpu(total - fields[3] - fields[4], total);
    }

    /// <summary>Percent of all cores busy since <paramref name="start"/>; NaN without counters.</summary>
    public double BusyPercentSince(MachineCpu start) =>
        Total == start.Total ? double.NaN : 100.0 * (Busy - start.Busy) / (Total - start.Total);
}

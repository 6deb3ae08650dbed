using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// How busy the whole machine's cores were between two readings of /proc/stat: the benchmark, the server and
/// Azurite share them, so a case near 100% is bound by the machine's CPU rather than by the storage. On a virtual
/// machine, part of that is time the host ran something else while a core wanted to run (steal): a case that lost
/// much of it was slowed by the host, not by what it measures.
/// </summary>
internal readonly record struct MachineCpu(long Busy, long Stolen, long Total)
{
    /// <summary>The figure every case reports its stolen time as.</summary>
    public const string StolenFigure = "machine CPU stolen %";

    /// <summary>The counters now; zero where /proc/stat is missing (not Linux).</summary>
    public static MachineCpu Read() =>
        File.Exists("/proc/stat") ? Parse(File.ReadLines("/proc/stat").First()) : default;

    /// <summary>
    /// The counters of /proc/stat's first line, "cpu  user nice system idle iowait irq softirq steal ...": idle and
    /// iowait are the idle time, steal is busy time the host took, guest time is already in user.
    /// </summary>
    public static MachineCpu Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        return new MachineCpu(total - fields[3] - fields[4], fields.Length > 7 ? fields[7] : 0, total);
    }

    /// <summary>Percent of all cores busy since <paramref name="start"/> (the stolen time included); NaN without counters.</summary>
    public double BusyPercentSince(MachineCpu start) =>
        Total == start.Total ? double.NaN : 100.0 * (Busy - start.Busy) / (Total - start.Total);

    /// <summary>Percent of all cores' time since <paramref name="start"/> that the host took (steal); NaN without counters.</summary>
    public double StolenPercentSince(MachineCpu start) =>
        Total == start.Total ? double.NaN : 100.0 * (Stolen - start.Stolen) / (Total - start.Total);
}

using System.Diagnostics;
using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>A run's settings, its measurements so far, and its progress on the console.</summary>
internal sealed class BenchmarkRun(bool quick, TextWriter progress, int? rounds = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>A short run for smoke tests: every case, a fraction of the time and data.</summary>
    public bool Quick { get; } = quick;

    /// <summary>How long each case is measured (after its warm-up).</summary>
    public TimeSpan Duration => Quick ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromSeconds(3);

    /// <summary>How many rounds each ratio's case and limit are measured in, alternately: 3 by default, 1 when quick.</summary>
    public int Rounds { get; } = rounds ?? (quick ? 1 : 3);

    /// <summary>How many latency samples a latency case takes (after its warm-up samples).</summary>
    public int LatencySamples => Quick ? 200 : 2_000;

    /// <summary>Seconds since the run began: when each round ran.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public List<Measurement> Measurements { get; } = [];

    public Dictionary<string, string> Machine { get; } = [];

    /// <summary>Processes whose CPU the read cases report (name → process id): the benchmark, Azurite, the server.</summary>
    public Dictionary<string, int> Processes { get; } = [];

    public void Step(string what) => progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed:mm\\:ss}] {what}"));

    public Measurement Add(Measurement measurement)
    {
        Measurements.Add(measurement);
        var ratio = measurement.Ratio is { } r ? string.Create(CultureInfo.InvariantCulture, $", {Report.Ratio(measurement)} of {measurement.Against}") : "";
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"          {measurement.Section} / {measurement.Case}: {measurement.RecordsPerSecond:N0} records/s, {measurement.MegabytesPerSecond:N1} MB/s, {measurement.RequestsPerSecond:N0} requests/s{ratio}"));
        return measurement;
    }

    /// <summary>The measurement of a case, for ratios.</summary>
    public Measurement Find(string section, string @case) =>
        Measurements.Single(m => m.Section == section && m.Case == @case);
}

using System.Diagnostics;
using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>A run's settings, its measurements so far, and its progress on the console.</summary>
internal sealed class BenchmarkRun(bool quick, TextWriter progress)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>A short run for smoke tests: every case, a fraction of the time and data.</summary>
    public bool Quick { get; } = quick;

    /// <summary>How long each case is measured (after its warm-up).</summary>
    public TimeSpan Duration => Quick ? TimeSpan.FromMilliseconds(400) : TimeSpan.FromSeconds(5);

    public List<Measurement> Measurements { get; } = [];

    public Dictionary<string, string> Machine { get; } = [];

    /// <summary>Processes whose CPU the read cases report (name → process id): the benchmark, Azurite, the server.</summary>
    public Dictionary<string, int> Processes { get; } = [];

    public void Step(string what) => progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed:mm\\:ss}] {what}"));

    public Measurement Add(Measurement measurement)
    {
        Measurements.Add(measurement);
        var ratio = measurement.Ratio is { } r ? string.Create(CultureInfo.InvariantCulture, $", {r:P0} of {measurement.Against}") : "";
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"          {measurement.Section} / {measurement.Case}: {measurement.RecordsPerSecond:N0} records/s, {measurement.MegabytesPerSecond:N1} MB/s, {measurement.RequestsPerSecond:N0} requests/s{ratio}"));
        return measurement;
    }

    /// <summary>The measurement of a case, for ratios.</summary>
    public Measurement Find(string section, string @case) =>
        Measurements.Single(m => m.Section == section && m.Case == @case);
}

using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// A case and its limit measured in alternating rounds (case, limit, case, limit …): each round runs the case,
/// then the limit at what the case wrote in that round (its block size, read off the storage), so both see the
/// same moment of a shared machine. The case's row is the median of its rounds against the limit's median.
/// </summary>
internal static class Paired
{
    /// <summary>What one round of a case answers: its measurement, and how to measure its limit now.</summary>
    public readonly record struct CaseRound(Measurement Case, Func<Task<Measurement>> Limit);

    /// <summary>
    /// Runs <paramref name="round"/> and its limit <see cref="BenchmarkRun.Rounds"/> times in alternation and adds
    /// the limit's row and the case's row (its ratio against the limit) to the run. Answers the case's row.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="section">The case's section.</param>
    /// <param name="label">The case's name.</param>
    /// <param name="round">One round of the case (given the round's number), answering how to measure its limit.</param>
    /// <param name="of">What the ratio compares: "MB/s" (the default) or "records/s".</param>
    public static async Task<Measurement> RunAsync(BenchmarkRun run, string section, string label, Func<int, Task<CaseRound>> round, string of = "MB/s")
    {
        double Value(Measurement m) => of == "records/s" ? m.RecordsPerSecond : m.MegabytesPerSecond;
        var cases = new List<Measurement>();
        var limits = new List<Measurement>();
        for (var r = 0; r < run.Rounds; r++)
        {
            run.Step(string.Create(CultureInfo.InvariantCulture, $"{section}: {label}, round {r + 1} of {run.Rounds}"));
            var started = run.Now;
            var (measured, limit) = await round(r).ConfigureAwait(false);
            if (measured.Figures.GetValueOrDefault("failed operations") is > 0 and var failed)
            {
                run.Step(string.Create(CultureInfo.InvariantCulture, $"          {failed:0} operations of the case failed in this round (counted as moving nothing)"));
            }

            cases.Add(Timed(measured, r, started, run.Now, Value(measured)));
            started = run.Now;
            var limitMeasured = await limit().ConfigureAwait(false);
            limits.Add(Timed(limitMeasured, r, started, run.Now, Value(limitMeasured)));
        }

        var block = RoundStatistics.Median(limits.Select(l => l.Figures.GetValueOrDefault("block KiB", double.NaN)));
        var limitLabel = double.IsNaN(block) ? limits[0].Case : string.Create(CultureInfo.InvariantCulture, $"{Kib(block)} blocks, {limits[0].Case}");
        var limitRow = run.Add(RoundStatistics.Combine(limits[0].Section, $"{limitLabel}, for {section}: {label}", limits));
        return run.Add(Versus(RoundStatistics.Combine(section, label, cases), limitRow, of));
    }

    /// <summary>A measurement of one round, its rounds set to this one.</summary>
    public static Measurement Timed(Measurement measurement, int index, double started, double ended, double value) =>
        measurement with { Rounds = [new Round(index, started, ended, value)] };

    /// <summary><paramref name="measurement"/> as a ratio of <paramref name="limit"/>, median over median, with each round's ratio's range.</summary>
    public static Measurement Versus(Measurement measurement, Measurement limit, string of)
    {
        var (ratio, low, high) = RoundStatistics.Ratio(measurement.Rounds, limit.Rounds);
        return measurement with
        {
            Against = $"{limit.Section}: {limit.Case}",
            Ratio = ratio,
            RatioLow = low,
            RatioHigh = high,
            RatioOf = of,
        };
    }

    /// <summary>A block size for a label: "385 KiB" or "1.9 MiB".</summary>
    public static string Kib(double kib) => kib >= 1024
        ? (kib / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " MiB"
        : kib.ToString("0", CultureInfo.InvariantCulture) + " KiB";
}

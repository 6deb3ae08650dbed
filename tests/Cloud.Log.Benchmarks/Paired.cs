using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// A case and its limit measured in alternating rounds (case, limit, case, limit …): each round runs the case,
/// then the limit at what the case wrote in that round (its block size, read off the storage), so both see the
/// same moment of a shared machine. The case's row is the median of its rounds against the limit's median. A
/// round in which the host took the machine's CPU (steal) is measured again (<see cref="MaxStolenPercent"/>).
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
        var repeats = 0;
        while (cases.Count < run.Rounds)
        {
            var r = cases.Count;
            run.Step(string.Create(CultureInfo.InvariantCulture, $"{section}: {label}, round {r + 1} of {run.Rounds}"));
            var caseStarted = run.Now;
            var (measured, limit) = await round(r).ConfigureAwait(false);
            if (measured.Figures.GetValueOrDefault("failed operations") is > 0 and var failed)
            {
                run.Step(string.Create(CultureInfo.InvariantCulture, $"          {failed:0} operations of the case failed in this round (counted as moving nothing)"));
            }

            var caseEnded = run.Now;
            var limitMeasured = await limit().ConfigureAwait(false);
            var stolen = Math.Max(Stolen(measured), Stolen(limitMeasured));
            if (stolen > MaxStolenPercent && repeats < MaxRepeats(run))
            {
                repeats++;
                run.Step(string.Create(CultureInfo.InvariantCulture, $"          the host took {stolen:0.#}% of the machine's CPU in this round: measured again"));
                continue;
            }

            cases.Add(Timed(measured, r, caseStarted, caseEnded, Value(measured)));
            limits.Add(Timed(limitMeasured, r, caseEnded, run.Now, Value(limitMeasured)));
        }

        var block = RoundStatistics.Median(limits.Select(l => l.Figures.GetValueOrDefault("block KiB", double.NaN)));
        var limitLabel = double.IsNaN(block) ? limits[0].Case : string.Create(CultureInfo.InvariantCulture, $"{Kib(block)} blocks, {limits[0].Case}");
        var limitRow = run.Add(RoundStatistics.Combine(limits[0].Section, $"{limitLabel}, for {section}: {label}", limits));
        var caseRow = Versus(RoundStatistics.Combine(section, label, cases), limitRow, of);
        caseRow.Figures[RepeatedRounds] = repeats;
        return run.Add(caseRow);
    }

    /// <summary>
    /// A round whose case or limit lost more than this share of all cores' time to the host (steal, see
    /// <see cref="MachineCpu"/>) is measured again, case and limit both: it measured the host's other work more than
    /// either of them. 5%.
    /// </summary>
    public const double MaxStolenPercent = 5;

    /// <summary>The case's figure: how many rounds were measured again because the host took too much of the CPU.</summary>
    public const string RepeatedRounds = "rounds measured again (host steal)";

    /// <summary>At most as many rounds again as the run has (a host that never lets go still ends the run); none in a quick run, a smoke test.</summary>
    private static int MaxRepeats(BenchmarkRun run) => run.Quick ? 0 : run.Rounds;

    private static double Stolen(Measurement m) => m.Figures.GetValueOrDefault(MachineCpu.StolenFigure, double.NaN);

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

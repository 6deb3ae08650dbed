namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How a case and its limit are measured in rounds: a round the host took the CPU in is measured again.</summary>
public sealed class PairedTests
{
    private const string Label = "engine, 1 partition(s)";

    [Fact]
    public async Task A_round_in_which_the_host_took_the_cpu_is_measured_again_and_only_the_repeat_counts()
    {
        var run = new BenchmarkRun(quick: false, TextWriter.Null, rounds: 2);

        // Each round's first limit lost much to the host (12%, then 30%); the second try of each did not.
        var (cases, limits) = Script((100, 0), (999, 12), (90, 1), (100, 0), (110, 0), (5, 30), (80, 2), (100, 0));

        var row = await Paired.RunAsync(run, Sections.Fetch, Label, _ => Task.FromResult(new Paired.CaseRound(cases.Dequeue(), () => Task.FromResult(limits.Dequeue()))));

        Assert.Empty(cases);
        Assert.Equal([90.0, 80.0], row.Rounds.Select(r => r.Value));
        Assert.Equal([0, 1], row.Rounds.Select(r => r.Index));
        Assert.Equal(2, row.Figures[Paired.RepeatedRounds]);
        Assert.Equal(0.85, row.Ratio!.Value, 6); // 85 over 100: neither stolen round is in it
    }

    [Fact]
    public async Task A_host_that_never_lets_go_gets_as_many_rounds_again_as_the_run_has_and_no_more()
    {
        var run = new BenchmarkRun(quick: false, TextWriter.Null, rounds: 2);
        var measured = 0;

        var row = await Paired.RunAsync(run, Sections.Fetch, Label, _ =>
        {
            measured++;
            return Task.FromResult(new Paired.CaseRound(Stolen(50, 40), () => Task.FromResult(Stolen(100, 40))));
        });

        Assert.Equal(4, measured);
        Assert.Equal(2, row.Rounds.Count);
        Assert.Equal(2, row.Figures[Paired.RepeatedRounds]);
    }

    [Fact]
    public async Task A_quick_run_measures_each_round_once_whatever_the_host_took()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        var measured = 0;

        var row = await Paired.RunAsync(run, Sections.Fetch, Label, _ =>
        {
            measured++;
            return Task.FromResult(new Paired.CaseRound(Stolen(50, 40), () => Task.FromResult(Stolen(100, 40))));
        });

        Assert.Equal(1, measured);
        Assert.Equal(0, row.Figures[Paired.RepeatedRounds]);
    }

    /// <summary>Case and limit measurements, alternately from the pairs (MB/s, stolen %).</summary>
    private static (Queue<Measurement> Cases, Queue<Measurement> Limits) Script(params (double MegabytesPerSecond, double StolenPercent)[] alternately)
    {
        var cases = new Queue<Measurement>();
        var limits = new Queue<Measurement>();
        for (var i = 0; i < alternately.Length; i++)
        {
            (i % 2 == 0 ? cases : limits).Enqueue(Stolen(alternately[i].MegabytesPerSecond, alternately[i].StolenPercent));
        }

        return (cases, limits);
    }

    private static Measurement Stolen(double megabytesPerSecond, double stolenPercent) =>
        new(Sections.RawRead, "1024 KiB ranges, 1 reader(s)") { MegabytesPerSecond = megabytesPerSecond, Figures = { [MachineCpu.StolenFigure] = stolenPercent } };
}

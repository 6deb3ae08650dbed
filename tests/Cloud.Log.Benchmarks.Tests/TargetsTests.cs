namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How a run's measurements are read against the targets: the worst case decides.</summary>
public sealed class TargetsTests
{
    [Fact]
    public void A_ratio_target_is_judged_on_its_worst_case()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        run.Add(new Measurement(Sections.EngineProduce, "1 KiB, 1 partition(s), acks=1, 3 replicas") { Ratio = 0.95 });
        run.Add(new Measurement(Sections.EngineProduce, "1 KiB, 8 partition(s), acks=all, 3 replicas") { Ratio = 0.79 });
        run.Add(new Measurement(Sections.EngineProduce, "100 B, 8 partition(s), acks=all, 3 replicas") { Ratio = 0.10 }); // not 1 KiB: not this target's

        var target = Assert.Single(Targets.Evaluate(run));

        Assert.False(target.Met);
        Assert.Contains("79", target.Actual);
        Assert.Contains("8 partition(s), acks=all", target.Actual);
    }

    [Fact]
    public void Transactions_are_judged_on_the_worst_partition_count_and_latency_against_round_trips_at_the_same_percentile()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        run.Add(new Measurement(Sections.PartitionScaling, "1 KiB, 1 partition(s), 1 replica") { Figures = { ["transactions per 1,000 records"] = 0.5 } });
        run.Add(new Measurement(Sections.PartitionScaling, "1 KiB, 64 partition(s), 1 replica") { Figures = { ["transactions per 1,000 records"] = 1.6 } });
        run.Add(new Measurement(Sections.Latency, "produce call to a long-polling consumer") { Figures = { ["p99 ms"] = 12, ["3 round trips + linger ms"] = 15 } });

        var targets = Targets.Evaluate(run);

        Assert.Equal([false, true], targets.Select(t => t.Met));
        Assert.Equal("1.6", targets[0].Actual);
    }

    [Fact]
    public void Sections_not_run_give_no_target()
    {
        Assert.Empty(Targets.Evaluate(new BenchmarkRun(quick: true, TextWriter.Null)));
    }
}

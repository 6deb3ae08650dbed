namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How a run's measurements are read against the issues' targets: the worst case decides.</summary>
public sealed class TargetsTests
{
    [Fact]
    public void A_ratio_target_is_judged_on_its_worst_case_of_every_size_and_partition_count()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        run.Add(new Measurement(Sections.EngineProduce, "1 KiB, 1 partition(s), acks=1, 3 replicas") { Ratio = 0.95 });
        run.Add(new Measurement(Sections.EngineProduce, "100 B, 8 partition(s), acks=all, 3 replicas") { Ratio = 0.89 });
        run.Add(new Measurement(Sections.PartitionScaling, "1 KiB, 64 partition(s), 1 replica") { Ratio = 0.91, Figures = { ["transactions per 1,000 records"] = 1.2 } });

        var target = Targets.Evaluate(run).Single(t => t.Name == Targets.EngineProduce);

        Assert.False(target.Met);
        Assert.Contains("89%", target.Actual);
        Assert.Contains("100 B, 8 partition(s), acks=all", target.Actual);
    }

    [Fact]
    public void A_ratio_measured_in_several_rounds_shows_the_range_of_its_rounds()
    {
        var measurement = new Measurement(Sections.HttpProduce, "binary, SDK, 16 producer(s)")
        {
            Ratio = 0.87,
            RatioLow = 0.84,
            RatioHigh = 0.91,
            Rounds = [new Round(0, 0, 1, 1), new Round(1, 2, 3, 1), new Round(2, 4, 5, 1)],
        };

        Assert.Equal("87% (84%–91%)", Report.Ratio(measurement));
        Assert.Equal("87%", Report.Ratio(measurement with { Rounds = [new Round(0, 0, 1, 1)] }));
    }

    [Fact]
    public void Transactions_are_judged_on_the_worst_partition_count_and_latency_against_two_round_trips()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        run.Add(new Measurement(Sections.PartitionScaling, "1 KiB, 1 partition(s), 1 replica") { Figures = { ["transactions per 1,000 records"] = 0.5 } });
        run.Add(new Measurement(Sections.PartitionScaling, "1 KiB, 64 partition(s), 1 replica") { Figures = { ["transactions per 1,000 records"] = 1.6 } });
        run.Add(new Measurement(Sections.Latency, "produce call to a long-polling consumer") { Figures = { ["p99 ms"] = 12, [HttpSection.LatencyBudget] = 11 } });

        var targets = Targets.Evaluate(run);

        Assert.Equal([false, false], targets.Select(t => t.Met));
        Assert.Equal("1.6", targets[0].Actual);
        Assert.Equal(Targets.Latency, targets[1].Name);
    }

    [Fact]
    public void Server_memory_is_judged_on_the_largest_peak_of_any_server_case_fetch_included()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        run.Add(new Measurement(Sections.HttpProduce, "binary, SDK, 16 producer(s)") { Figures = { [HttpSection.ServerPeakRss] = 200 } });
        run.Add(new Measurement(Sections.Fetch, "HTTP (SDK consumer), 8 partition(s)") { Figures = { [HttpSection.ServerPeakRss] = 300 } });

        var target = Assert.Single(Targets.Evaluate(run));

        Assert.False(target.Met);
        Assert.Contains("HTTP (SDK consumer), 8 partition(s)", target.Actual);
    }

    [Fact]
    public void Scale_out_is_judged_on_three_servers_against_one_in_throughput_latency_and_against_raw_where_short()
    {
        var run = new BenchmarkRun(quick: true, TextWriter.Null);
        run.Add(new Measurement(Sections.ScaleOut, "binary, SDK, 4 partitions, acks=1, 1 replica, 2 server(s)") { Ratio = 0.10, Figures = { [ScaleOutSection.P99VersusOneServer] = 9 } }); // 2 servers: not judged
        run.Add(new Measurement(Sections.ScaleOut, "binary, SDK, 4 partitions, acks=1, 1 replica, 3 server(s)") { Ratio = 0.95, Figures = { [ScaleOutSection.P99VersusOneServer] = 1.5 } });
        run.Add(new Measurement(Sections.ScaleOut, "JSON, HttpClient, 16 partitions, acks=all, 3 replicas, 3 server(s)") { Ratio = 0.5, Figures = { [ScaleOutSection.P99VersusOneServer] = 2.5 } });
        run.Add(new Measurement(Sections.ScaleOut, "JSON, HttpClient, 16 partitions, acks=all, 3 replicas, 3 server(s), of raw AppendBlock") { Ratio = 0.86 });

        var targets = Targets.Evaluate(run).ToDictionary(t => t.Name);

        Assert.False(targets[Targets.ScaleOutThroughput].Met);
        Assert.Contains("50%", targets[Targets.ScaleOutThroughput].Actual);
        Assert.False(targets[Targets.ScaleOutLatency].Met);
        Assert.Contains("2.5×", targets[Targets.ScaleOutLatency].Actual);
        Assert.True(targets[Targets.ScaleOutRaw].Met);
    }

    [Fact]
    public void A_three_server_round_falls_short_below_90_percent_of_one_server_or_above_twice_its_p99()
    {
        Assert.False(ScaleOutSection.FallsShort(recordsPerSecond: 95, oneServerRecordsPerSecond: 100, p99: 20, oneServerP99: 10));
        Assert.True(ScaleOutSection.FallsShort(recordsPerSecond: 89, oneServerRecordsPerSecond: 100, p99: 10, oneServerP99: 10));
        Assert.True(ScaleOutSection.FallsShort(recordsPerSecond: 100, oneServerRecordsPerSecond: 100, p99: 21, oneServerP99: 10));
        Assert.True(ScaleOutSection.FallsShort(recordsPerSecond: 0, oneServerRecordsPerSecond: 0, p99: double.NaN, oneServerP99: double.NaN)); // nothing acknowledged
    }

    [Fact]
    public void Sections_not_run_give_no_target()
    {
        Assert.Empty(Targets.Evaluate(new BenchmarkRun(quick: true, TextWriter.Null)));
    }
}

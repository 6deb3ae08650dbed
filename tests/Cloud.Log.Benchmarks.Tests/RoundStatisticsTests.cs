namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How rounds become figures: medians, spreads, ratios of medians, percentiles, and the alternation check.</summary>
public sealed class RoundStatisticsTests
{
    [Fact]
    public void The_median_is_the_middle_round_or_the_mean_of_the_middle_two_and_ignores_missing_values()
    {
        Assert.Equal(20, RoundStatistics.Median([30, 10, 20]));
        Assert.Equal(25, RoundStatistics.Median([40, 10, 20, 30]));
        Assert.Equal(5, RoundStatistics.Median([5, double.NaN]));
        Assert.True(double.IsNaN(RoundStatistics.Median([])));
    }

    [Fact]
    public void The_spread_is_the_range_of_the_rounds_over_their_median()
    {
        Assert.Equal(0.5, RoundStatistics.RelativeSpread([90, 100, 140]), 6);
        Assert.Equal(0, RoundStatistics.RelativeSpread([7]));
    }

    [Fact]
    public void A_ratio_is_the_median_of_the_case_over_the_median_of_the_limit_with_the_range_of_per_round_ratios()
    {
        Round[] @case = [new(0, 0, 1, 80), new(1, 2, 3, 90), new(2, 4, 5, 100)];
        Round[] limit = [new(0, 1, 2, 100), new(1, 3, 4, 200), new(2, 5, 6, 100)];

        var (ratio, low, high) = RoundStatistics.Ratio(@case, limit);

        Assert.Equal(0.9, ratio, 6); // 90 / 100, not the mean of the rounds' ratios
        Assert.Equal(0.45, low, 6);
        Assert.Equal(1.0, high, 6);
    }

    [Fact]
    public void A_case_and_its_limit_alternate_only_when_each_round_of_one_sits_next_to_the_same_round_of_the_other()
    {
        Round[] @case = [new(0, 0, 1, 1), new(1, 2, 3, 1), new(2, 4, 5, 1)];
        Round[] limit = [new(0, 1, 2, 1), new(1, 3, 4, 1), new(2, 5, 6, 1)];
        Assert.True(RoundStatistics.Alternate(@case, limit));
        Assert.True(RoundStatistics.Alternate(limit, @case));

        // All cases first, then all limits: the old way, minutes apart.
        Round[] late = [new(0, 10, 11, 1), new(1, 11, 12, 1), new(2, 12, 13, 1)];
        Assert.False(RoundStatistics.Alternate(@case, late));

        // A round missing, rounds overlapping, or round 0 paired with round 1.
        Assert.False(RoundStatistics.Alternate(@case, limit[..2]));
        Assert.False(RoundStatistics.Alternate([new(0, 0, 2, 1)], [new(0, 1, 3, 1)]));
        Assert.False(RoundStatistics.Alternate([new(0, 0, 1, 1)], [new(1, 1, 2, 1)]));
        Assert.False(RoundStatistics.Alternate([], []));
    }

    [Fact]
    public void Percentiles_are_nearest_rank_so_p99_9_of_2000_samples_is_the_second_largest()
    {
        var samples = Enumerable.Range(1, 2000).Select(i => (double)i).Reverse().ToList();

        Assert.Equal(1000, RoundStatistics.Percentile(samples, 50));
        Assert.Equal(1980, RoundStatistics.Percentile(samples, 99));
        Assert.Equal(1998, RoundStatistics.Percentile(samples, 99.9));
        Assert.Equal(2000, RoundStatistics.Percentile(samples, 100));
        Assert.True(double.IsNaN(RoundStatistics.Percentile([], 50)));
    }

    [Fact]
    public void Combining_rounds_takes_each_figures_median_keeps_every_round_and_reports_the_spread()
    {
        Measurement Round(int i, double mbps, double block) => Paired.Timed(new Measurement(Sections.RawAppend, "8 stream(s), 1 location(s)") { MegabytesPerSecond = mbps, Figures = { ["block KiB"] = block } }, i, 2 * i, (2 * i) + 1, mbps);

        var combined = RoundStatistics.Combine(Sections.RawAppend, "limit", [Round(0, 50, 1000), Round(1, 40, 1100), Round(2, 60, 900)]);

        Assert.Equal(50, combined.MegabytesPerSecond);
        Assert.Equal(1000, combined.Figures["block KiB"]);
        Assert.Equal(40, combined.Figures["spread %"], 6);
        Assert.Equal([0, 1, 2], combined.Rounds.Select(r => r.Index));
    }

    [Fact]
    public void A_results_file_is_named_for_its_time_kind_and_commit()
    {
        var at = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

        Assert.Equal("2026-12-01-0930-full-c0f90112.md", ResultsFile.Name(at, quick: false, "c0f9011234567890+changes"));
        Assert.Equal("2026-12-01-0930-quick-unknown.md", ResultsFile.Name(at, quick: true, "unknown"));
    }
}

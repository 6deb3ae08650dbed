namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How the machine's CPU figures come from two readings of /proc/stat's first line.</summary>
public sealed class MachineCpuTests
{
    // user nice system idle iowait irq softirq steal guest guest_nice
    private const string Before = "cpu  1000 0 200 700 100 0 0 0 0 0";
    private const string After = "cpu  1500 0 300 900 100 0 50 150 40 0";

    [Fact]
    public void Busy_time_is_everything_but_idle_and_iowait_and_counts_the_stolen_time()
    {
        var start = MachineCpu.Parse(Before);
        var end = MachineCpu.Parse(After);

        // 1,000 ticks passed: 500 user, 100 system, 50 softirq and 150 stolen are busy, 200 idle.
        Assert.Equal(80, end.BusyPercentSince(start), 6);
        Assert.Equal(15, end.StolenPercentSince(start), 6);
    }

    [Fact]
    public void Guest_time_is_not_counted_twice()
    {
        // Guest ticks are already in user: the total is the first eight fields.
        Assert.Equal(1500 + 300 + 900 + 100 + 50 + 150, MachineCpu.Parse(After).Total);
    }

    [Fact]
    public void Without_time_passed_or_counters_the_figures_are_missing_not_zero()
    {
        var reading = MachineCpu.Parse(Before);

        Assert.True(double.IsNaN(reading.BusyPercentSince(reading)));
        Assert.True(double.IsNaN(default(MachineCpu).StolenPercentSince(default)));
    }
}

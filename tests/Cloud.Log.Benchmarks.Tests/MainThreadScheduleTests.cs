namespace Cloud.Log.Benchmarks.Tests;

/// <summary>How a process's main-thread wait for a CPU comes from two readings of its schedstat.</summary>
public sealed class MainThreadScheduleTests
{
    [Fact]
    public void A_schedstat_line_gives_run_and_wait_nanoseconds()
    {
        var schedule = MainThreadSchedule.Parse("5000000000 1250000000 4711\n");

        Assert.Equal(5_000_000_000, schedule.RunNanoseconds);
        Assert.Equal(1_250_000_000, schedule.WaitNanoseconds);
    }

    [Fact]
    public void The_wait_is_the_share_of_the_time_passed_the_thread_spent_ready_but_not_running()
    {
        var start = new MainThreadSchedule(1_000_000_000, 200_000_000);
        var end = new MainThreadSchedule(3_000_000_000, 800_000_000);

        Assert.Equal(15, end.WaitPercentSince(start, TimeSpan.FromSeconds(4)), 6); // 0.6 s of 4 s
        Assert.True(double.IsNaN(end.WaitPercentSince(start, TimeSpan.Zero)));
    }

    [Fact]
    public void This_process_main_thread_has_an_account_on_linux_and_none_elsewhere()
    {
        var schedule = MainThreadSchedule.Read(Environment.ProcessId);

        Assert.Equal(OperatingSystem.IsLinux(), schedule is not null);
        if (schedule is { } running)
        {
            Assert.True(running.RunNanoseconds > 0);
        }
    }

    [Fact]
    public void A_process_that_is_gone_has_no_account()
    {
        Assert.Null(MainThreadSchedule.Read(int.MaxValue));
    }
}

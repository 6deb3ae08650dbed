using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Linux's account of one process's main thread (<c>/proc/PID/task/PID/schedstat</c>): nanoseconds it ran on a
/// CPU and nanoseconds it was ready to run but waited for one. Azurite serves every request on its main
/// (JavaScript) thread, so that thread's wait tells how much of a case it lost to the other processes on the
/// machine's cores, which its CPU % alone does not: below 100% of a core it may be idle for want of requests or
/// waiting for a core.
/// </summary>
/// <param name="RunNanoseconds">Time on a CPU since the thread started.</param>
/// <param name="WaitNanoseconds">Time ready to run but waiting for a CPU since the thread started.</param>
internal readonly record struct MainThreadSchedule(long RunNanoseconds, long WaitNanoseconds)
{
    /// <summary>Reads a schedstat line: run time, wait time (both nanoseconds), then the number of time slices.</summary>
    public static MainThreadSchedule Parse(string schedstat)
    {
        var fields = schedstat.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new(long.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The main thread's account now, or null where there is none (not Linux, or the process has exited).</summary>
    public static MainThreadSchedule? Read(int processId)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{processId}/task/{processId}/schedstat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The share of <paramref name="elapsed"/> since <paramref name="start"/> the thread waited for a CPU, in percent; NaN without time passed.</summary>
    public double WaitPercentSince(MainThreadSchedule start, TimeSpan elapsed) =>
        elapsed > TimeSpan.Zero ? 100.0 * (WaitNanoseconds - start.WaitNanoseconds) / (elapsed.Ticks * 100.0) : double.NaN;
}

using System.Diagnostics;
using System.Globalization;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>The test writer (Cloud.Log.Core.TestWriter) as a separate process whose acknowledgements the test reads as they come, and which it can pause.</summary>
internal sealed class WriterProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<(long Offset, string Value, long At)> _acks = [];
    private readonly List<(long StartedAt, long HighWatermark)> _highWatermarks = [];
    private readonly System.Text.StringBuilder _errors = new();

    private WriterProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            var parts = e.Data?.Split(' ');
            lock (_acks)
            {
                if (parts is ["ack", var offset, var value, var at])
                {
                    _acks.Add((long.Parse(offset, CultureInfo.InvariantCulture), value, long.Parse(at, CultureInfo.InvariantCulture)));
                }
                else if (parts is ["hw", var startedAt, var highWatermark])
                {
                    _highWatermarks.Add((long.Parse(startedAt, CultureInfo.InvariantCulture), long.Parse(highWatermark, CultureInfo.InvariantCulture)));
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>Each acknowledgement: the offset, the record's value, and when it arrived (<see cref="Stopwatch.GetTimestamp"/>, shared by every process).</summary>
    public IReadOnlyList<(long Offset, string Value, long At)> Acks
    {
        get
        {
            lock (_acks)
            {
                return [.. _acks];
            }
        }
    }

    /// <summary>Each high watermark the writer's engine answered, with when the read began.</summary>
    public IReadOnlyList<(long StartedAt, long HighWatermark)> HighWatermarks
    {
        get
        {
            lock (_acks)
            {
                return [.. _highWatermarks];
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static WriterProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Cloud.Log.Core.TestWriter.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new WriterProcess(Process.Start(info)!);
    }

    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public async Task WaitForAcksAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Acks.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline && !_process.HasExited, $"the writer acknowledged {Acks.Count} of {count}: {_errors}");
            await Task.Delay(20);
        }
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        Assert.True(_process.ExitCode == 0, $"the writer failed: {_errors}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}

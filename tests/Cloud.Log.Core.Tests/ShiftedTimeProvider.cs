namespace Cloud.Log.Core.Tests;

/// <summary>Real time shifted by a settable amount: timers run in real time, "now" can be moved ahead.</summary>
internal sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Shift { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
}

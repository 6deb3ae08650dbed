namespace Cloud.Log.Server.Jobs;

/// <summary>How often the server runs the background jobs the function app runs on timers (configuration <c>CloudLog:Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>Time between two replica catch-up runs. Default 10 s, as the function app's schedule.</summary>
    public TimeSpan ReplicationInterval { get; set; } = TimeSpan.FromSeconds(10);
}

namespace Cloud.Log.Server.Jobs;

/// <summary>How often the server runs the background jobs the function app runs on timers (configuration <c>CloudLog:Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>Time between two replica catch-up runs. Default 10 s, as the function app's schedule.</summary>
    public TimeSpan ReplicationInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between two retention runs (which also remove deleted topics' data). Default 5 min.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time between two compaction runs. Default 10 min.</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(10);
}

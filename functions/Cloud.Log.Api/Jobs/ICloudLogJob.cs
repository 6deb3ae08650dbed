namespace Cloud.Log.Api.Jobs;

/// <summary>
/// A background job of the service, written once: the function app runs each on a timer, the standalone
/// server on an interval. Every job is safe to run on several instances at once and to interrupt anywhere.
/// </summary>
public interface ICloudLogJob
{
    /// <summary>The job's name, for logs.</summary>
    string Name { get; }

    /// <summary>The app setting that holds the function app's NCRONTAB schedule for the job.</summary>
    string ScheduleSetting { get; }

    /// <summary>Runs the job once; answers how many things it changed (replicas rejoined, segments deleted or rewritten, topics removed).</summary>
    Task<int> RunAsync(CancellationToken cancellationToken = default);
}

using Cloud.Log.Core;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Jobs;

/// <summary>
/// The retention job: applies every topic's <c>retention.ms</c> and <c>retention.bytes</c>
/// (<see cref="CloudLogEngine.EnforceRetentionAsync"/>) and removes what deleted topics left
/// (<see cref="CloudLogEngine.CleanUpDeletedTopicsAsync"/>). Config changes take effect at the next run.
/// </summary>
public sealed partial class RetentionJob(CloudLogEngine engine, ILogger<RetentionJob> logger) : ICloudLogJob
{
    /// <summary>The app setting that holds the timer function's NCRONTAB schedule (default every 5 minutes).</summary>
    public const string Schedule = "CLOUDLOG_RETENTION_SCHEDULE";

    /// <inheritdoc />
    public string Name => "retention";

    /// <inheritdoc />
    public string ScheduleSetting => Schedule;

    /// <summary>Runs the job once; answers how many segments and deleted topics it removed.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var retained = await engine.EnforceRetentionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var partition in retained)
        {
            LogDeleted(logger, partition.SegmentsDeleted, partition.Topic, partition.Partition, partition.LogStartOffset);
        }

        var topics = await engine.CleanUpDeletedTopicsAsync(cancellationToken).ConfigureAwait(false);
        return retained.Sum(r => r.SegmentsDeleted) + topics.Count;
    }

    [LoggerMessage(41, LogLevel.Information, "Retention deleted {Segments} segments of {Topic}/{Partition}; the log starts at {LogStartOffset}")]
    private static partial void LogDeleted(ILogger logger, int segments, string topic, int partition, long logStartOffset);
}

using Cloud.Log.Core;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Jobs;

/// <summary>
/// The compaction job: rewrites the closed segments of topics whose cleanup.policy includes <c>compact</c>,
/// keeping the newest record of each key (<see cref="CloudLogEngine.CompactAsync"/>).
/// </summary>
public sealed partial class CompactionJob(CloudLogEngine engine, ILogger<CompactionJob> logger) : ICloudLogJob
{
    /// <summary>The app setting that holds the timer function's NCRONTAB schedule (default every 10 minutes).</summary>
    public const string Schedule = "CLOUDLOG_COMPACTION_SCHEDULE";

    /// <inheritdoc />
    public string Name => "compaction";

    /// <inheritdoc />
    public string ScheduleSetting => Schedule;

    /// <summary>Runs the job once; answers how many segments it rewrote.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var compacted = await engine.CompactAsync(cancellationToken).ConfigureAwait(false);
        foreach (var partition in compacted.Where(c => c.SegmentsCompacted > 0))
        {
            LogCompacted(logger, partition.SegmentsCompacted, partition.Topic, partition.Partition, partition.BytesFreed);
        }

        return compacted.Sum(c => c.SegmentsCompacted);
    }

    [LoggerMessage(42, LogLevel.Information, "Compaction rewrote {Segments} segments of {Topic}/{Partition}, freeing {Bytes} bytes per copy")]
    private static partial void LogCompacted(ILogger logger, int segments, string topic, int partition, long bytes);
}

using Cloud.Log.Core;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Jobs;

/// <summary>
/// The replica catch-up job, once for both hosts: the function app's timer function and the server's
/// background service run exactly this. It brings lagging replicas up to their leaders and back into the
/// ISR (<see cref="CloudLogEngine.CatchUpReplicasAsync"/>); two runs at once do no harm.
/// </summary>
public sealed partial class ReplicaCatchUpJob(CloudLogEngine engine, ILogger<ReplicaCatchUpJob> logger) : ICloudLogJob
{
    /// <summary>The app setting that holds the timer function's NCRONTAB schedule (default every 10 seconds).</summary>
    public const string Schedule = "CLOUDLOG_REPLICATION_SCHEDULE";

    /// <inheritdoc />
    public string Name => "replica catch-up";

    /// <inheritdoc />
    public string ScheduleSetting => Schedule;

    /// <summary>Runs the job once; answers how many replicas rejoined.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var caughtUp = await engine.CatchUpReplicasAsync(cancellationToken).ConfigureAwait(false);
        foreach (var partition in caughtUp)
        {
            LogRejoined(logger, partition.Topic, partition.Partition, string.Join(',', partition.Locations));
        }

        return caughtUp.Sum(c => c.Locations.Count);
    }

    [LoggerMessage(40, LogLevel.Information, "Replicas {Locations} of {Topic}/{Partition} caught up and rejoined the ISR")]
    private static partial void LogRejoined(ILogger logger, string topic, int partition, string locations);
}

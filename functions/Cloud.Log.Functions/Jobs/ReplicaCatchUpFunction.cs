using Cloud.Log.Api.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Jobs;

/// <summary>
/// Runs the replica catch-up job on the schedule in <c>CLOUDLOG_REPLICATION_SCHEDULE</c> (NCRONTAB; the
/// templates set every 10 seconds). The Functions host runs a timer on one instance at a time; the job is
/// safe to run twice anyway.
/// </summary>
public sealed class ReplicaCatchUpFunction(ReplicaCatchUpJob job)
{
    /// <summary>The timer-triggered catch-up.</summary>
    [Function("ReplicaCatchUp")]
    public Task RunAsync([TimerTrigger($"%{ReplicaCatchUpJob.Schedule}%")] TimerInfo timer, CancellationToken cancellationToken) =>
        job.RunAsync(cancellationToken);
}

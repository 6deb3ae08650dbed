using Cloud.Log.Api.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Jobs;

/// <summary>Runs the compaction job on the schedule in <c>CLOUDLOG_COMPACTION_SCHEDULE</c> (the templates set every 10 minutes).</summary>
public sealed class CompactionFunction(CompactionJob job)
{
    /// <summary>The timer-triggered compaction.</summary>
    [Function("Compaction")]
    public Task RunAsync([TimerTrigger($"%{CompactionJob.Schedule}%")] TimerInfo timer, CancellationToken cancellationToken) =>
        job.RunAsync(cancellationToken);
}

using Cloud.Log.Api.Jobs;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Jobs;

/// <summary>Runs the retention job (and the removal of deleted topics) on the schedule in <c>CLOUDLOG_RETENTION_SCHEDULE</c> (the templates set every 5 minutes).</summary>
public sealed class RetentionFunction(RetentionJob job)
{
    /// <summary>The timer-triggered retention.</summary>
    [Function("Retention")]
    public Task RunAsync([TimerTrigger($"%{RetentionJob.Schedule}%")] TimerInfo timer, CancellationToken cancellationToken) =>
        job.RunAsync(cancellationToken);
}

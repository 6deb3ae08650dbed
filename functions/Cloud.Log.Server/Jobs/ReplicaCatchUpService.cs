using Cloud.Log.Api.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cloud.Log.Server.Jobs;

/// <summary>The server's counterpart of the catch-up timer function: the same <see cref="ReplicaCatchUpJob"/>, on an interval.</summary>
internal sealed partial class ReplicaCatchUpService(ReplicaCatchUpJob job, IOptions<JobOptions> options, ILogger<ReplicaCatchUpService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReplicationInterval);
        do
        {
            try
            {
                await job.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e); // the next tick tries again
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(50, LogLevel.Warning, "The replica catch-up job failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

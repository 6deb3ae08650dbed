using Cloud.Log.Api.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Server.Jobs;

/// <summary>
/// The server's counterpart of a timer function: runs one <see cref="ICloudLogJob"/> at start and then on an
/// interval. A failed run is logged and the next interval tries again, as a timer would.
/// </summary>
internal sealed partial class PeriodicJobService(ICloudLogJob job, TimeSpan interval, ILogger<PeriodicJobService> logger) : BackgroundService
{
    public ICloudLogJob Job { get; } = job;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await Job.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, Job.Name, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(50, LogLevel.Warning, "The {Job} job failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, string job, Exception exception);
}

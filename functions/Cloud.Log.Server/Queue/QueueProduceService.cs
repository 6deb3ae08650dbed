using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Cloud.Log.Api.Configuration;
using Cloud.Log.Api.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cloud.Log.Server.Queue;

/// <summary>
/// The server's counterpart of the queue-triggered function: it receives produce-queue messages and hands
/// each to <see cref="QueueProduceHandler"/>, then deletes it. A message whose handling keeps failing is
/// moved to the poison queue after <see cref="QueueProcessorOptions.MaxDequeueCount"/> deliveries, as the
/// Functions host does.
/// </summary>
internal sealed partial class QueueProduceService(
    QueueServiceClient queues,
    QueueProduceHandler handler,
    IConfiguration configuration,
    IOptions<QueueProcessorOptions> options,
    ILogger<QueueProduceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var name = CloudLogConfiguration.ReadProduceQueueName(configuration);
        var queue = queues.GetQueueClient(name);
        var poison = queues.GetQueueClient(name + "-poison");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
                QueueMessage[] messages = await queue.ReceiveMessagesAsync(Math.Clamp(settings.BatchSize, 1, 32), settings.VisibilityTimeout, stoppingToken).ConfigureAwait(false);
                foreach (var message in messages)
                {
                    await HandleAsync(queue, poison, message, settings, stoppingToken).ConfigureAwait(false);
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(settings.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RequestFailedException e)
            {
                LogQueueUnavailable(logger, name, e.Status, e);
                await Task.Delay(settings.PollInterval * 5, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(QueueClient queue, QueueClient poison, QueueMessage message, QueueProcessorOptions settings, CancellationToken stoppingToken)
    {
        try
        {
            await handler.HandleAsync(message.MessageId, message.Body.ToMemory(), stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            if (message.DequeueCount < settings.MaxDequeueCount)
            {
                LogRetry(logger, message.MessageId, message.DequeueCount, e);
                return; // it shows again when its visibility timeout ends
            }

            LogGaveUp(logger, message.MessageId, message.DequeueCount, poison.Name, e);
            await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            await poison.SendMessageAsync(message.Body, cancellationToken: stoppingToken).ConfigureAwait(false);
        }

        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken).ConfigureAwait(false);
    }

    [LoggerMessage(30, LogLevel.Warning, "Queue message {MessageId} failed on delivery {DequeueCount}; it will be delivered again")]
    private static partial void LogRetry(ILogger logger, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(31, LogLevel.Error, "Queue message {MessageId} failed {DequeueCount} times and went to {PoisonQueue}")]
    private static partial void LogGaveUp(ILogger logger, string messageId, long dequeueCount, string poisonQueue, Exception exception);

    [LoggerMessage(32, LogLevel.Warning, "The produce queue {Queue} cannot be read ({Status})")]
    private static partial void LogQueueUnavailable(ILogger logger, string queue, int status, Exception exception);
}

using Azure.Storage.Queues.Models;
using Cloud.Log.Api.Queue;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Queue;

/// <summary>
/// Produces the records of each produce-queue message (<see cref="QueueProduceHandler"/>). A failure a
/// retry can mend is thrown, so the host delivers the message again and, after five tries, moves it to
/// <c>{queue}-poison</c>.
/// </summary>
public sealed class QueueProduceFunction(QueueProduceHandler handler)
{
    /// <summary>The queue-triggered produce.</summary>
    [Function("ProduceFromQueue")]
    public Task RunAsync(
        [QueueTrigger($"%{FunctionsStartup.QueueNameSetting}%", Connection = FunctionsStartup.QueueConnection)] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(message.MessageId, message.Body.ToMemory(), cancellationToken);
}

using System.Text;
using Azure.Storage.Queues;
using Cloud.Log.Api.Json;
using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Queue;

/// <summary>
/// Produces the records of one produce-queue message: the body of <c>POST /records</c> plus <c>topic</c> and
/// an optional <c>idempotencyKey</c>, as plain UTF-8 JSON. The queue-triggered function and the server's
/// queue processor both call this, and nothing else.
/// <list type="bullet">
/// <item>Stored once however often it is delivered: the records carry the idempotency key (or, without one,
/// the queue message id, which stays the same across deliveries) as their producer identity.</item>
/// <item>A message that can never succeed (malformed, unknown topic, invalid record) is copied to the
/// poison queue with the reason logged, and nothing of it is stored.</item>
/// <item>A failure a retry can mend (storage unavailable, throttled) is thrown, so the queue delivers the
/// message again; after the fifth try the host moves it to the poison queue itself.</item>
/// </list>
/// <c>acks=0</c> in a message is taken as <c>acks=1</c>: a message is deleted only once its records are stored.
/// </summary>
public sealed partial class QueueProduceHandler
{
    private readonly CloudLogEngine _engine;
    private readonly QueueClient _poisonQueue;
    private readonly ILogger _logger;

    /// <summary>Creates the handler; <paramref name="poisonQueue"/> receives messages that can never succeed.</summary>
    public QueueProduceHandler(CloudLogEngine engine, QueueClient poisonQueue, ILogger<QueueProduceHandler> logger)
    {
        _engine = engine;
        _poisonQueue = poisonQueue;
        _logger = logger;
    }

    /// <summary>Handles one delivery of the message <paramref name="messageId"/>.</summary>
    public async Task<QueueProduceOutcome> HandleAsync(string messageId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        try
        {
            var request = ProduceRequestReader.Parse(body, queueMessage: true);
            var idempotence = ProducerIdempotence.ForIdempotencyKey(request.IdempotencyKey ?? "queue-message:" + messageId);
            var acks = request.Acks == Acks.None ? Acks.Leader : request.Acks;
            var results = await _engine.ProduceAsync(request.Topic!, request.Records, acks, idempotence, cancellationToken).ConfigureAwait(false);
            if (results.FirstOrDefault(r => r.Error is not null)?.Error is { } failed)
            {
                // Part of the message was stored, part not: a redelivery stores the rest, and the part already
                // stored is recognised by the message's identity and stored once.
                throw failed;
            }
            foreach (var partition in results.GroupBy(r => r.Partition))
            {
                LogStored(_logger, messageId, partition.Count(), request.Topic!, partition.Key, partition.First().Offset);
            }

            return QueueProduceOutcome.Stored;
        }
        catch (CloudLogException e) when (!e.IsRetriable)
        {
            LogPoisoned(_logger, messageId, _poisonQueue.Name, e.Code.ToString(), e.Message);
            await _poisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await _poisonQueue.SendMessageAsync(Encoding.UTF8.GetString(body.Span), cancellationToken).ConfigureAwait(false);
            return QueueProduceOutcome.Poisoned;
        }
    }

    [LoggerMessage(20, LogLevel.Information, "Queue message {MessageId}: {RecordCount} records stored in {Topic}/{Partition} from offset {Offset}")]
    private static partial void LogStored(ILogger logger, string messageId, int recordCount, string topic, int partition, long offset);

    [LoggerMessage(21, LogLevel.Warning, "Queue message {MessageId} can never succeed and went to {PoisonQueue}: {Code}: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string poisonQueue, string code, string reason);
}

using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Kafka.Compression;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>Produce and InitProducerId.</summary>
public sealed partial class KafkaRequestDispatcher
{
    private const short TransactionalAttribute = 0x10;
    private const short ControlAttribute = 0x20;

    private async Task<bool> ProduceAsync(KafkaReader reader, short version, KafkaWriter writer, Action? queued, CancellationToken cancellationToken)
    {
        var request = ProduceMessages.ReadRequest(reader, version);
        Acks? acks = request.Acks switch
        {
            0 => Acks.None,
            1 => Acks.Leader,
            -1 => Acks.All,
            _ => null,
        };
        short refusal = version < 3 ? KafkaError.UnsupportedVersion
            : request.TransactionalId is not null ? KafkaError.TransactionalIdAuthorizationFailed
            : acks is null ? InvalidRequiredAcks
            : KafkaError.None;

        // First every partition's batches are checked and queued at their writers (the request's place in each
        // partition's order is then fixed, and the connection may start its next request), then stored.
        var queuing = request.Topics
            .Select(topic => (topic.Name, Partitions: topic.Partitions
                .Select(p => refusal != KafkaError.None
                    ? Task.FromResult(Task.FromResult(Failed(p.Partition, refusal, null)))
                    : QueuePartitionAsync(topic.Name, p, acks!.Value, cancellationToken))
                .ToList()))
            .ToList();
        var stored = new List<(string Name, Task<ProducePartitionResponse>[] Partitions)>(queuing.Count);
        foreach (var (name, partitions) in queuing)
        {
            stored.Add((name, await Task.WhenAll(partitions).ConfigureAwait(false)));
        }

        queued?.Invoke();
        var topics = new List<ProduceTopicResponse>(stored.Count);
        foreach (var (name, partitions) in stored)
        {
            topics.Add(new ProduceTopicResponse(name, await Task.WhenAll(partitions).ConfigureAwait(false)));
        }

        if (acks == Acks.None && refusal == KafkaError.None)
        {
            return false; // acks=0: Kafka sends no answer
        }

        ProduceMessages.WriteResponse(writer, version, topics);
        return true;

        static ProducePartitionResponse Failed(int partition, short error, string? message) => new(partition, error, -1, -1, -1, message);
    }

    /// <summary>INVALID_REQUIRED_ACKS: acks other than 0, 1 and -1.</summary>
    private const short InvalidRequiredAcks = 21;

    /// <summary>Checks and queues one partition's batches; the task it gives answers once they are stored.</summary>
    private async Task<Task<ProducePartitionResponse>> QueuePartitionAsync(string topic, ProducePartitionData data, Acks acks, CancellationToken cancellationToken)
    {
        List<(int Partition, ReadOnlyMemory<byte> Batch)> batches;
        try
        {
            batches = SplitBatches(data);
        }
        catch (RecordBatchFormatException e)
        {
            return Task.FromResult(new ProducePartitionResponse(data.Partition, KafkaError.CorruptMessage, -1, -1, -1, e.Message));
        }
        catch (NotSupportedException e)
        {
            return Task.FromResult(new ProducePartitionResponse(data.Partition, KafkaError.InvalidRecord, -1, -1, -1, e.Message));
        }

        try
        {
            var stored = await _engine.QueueBatchesAsync(topic, batches, acks, cancellationToken).ConfigureAwait(false);
            return StoredAsync(data.Partition, stored);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            LogFailure(e, "produce");
            return Task.FromResult(new ProducePartitionResponse(data.Partition, KafkaError.From(e), -1, -1, -1, e.Message));
        }
    }

    private async Task<ProducePartitionResponse> StoredAsync(int partition, Task<IReadOnlyList<ProducedBatch>> stored)
    {
        try
        {
            var results = await stored.ConfigureAwait(false);
            var failed = results.FirstOrDefault(r => r.Error is not null);
            if (failed?.Error is { } error)
            {
                return new ProducePartitionResponse(partition, KafkaError.From(error.Code), -1, -1, -1, error.Message);
            }

            return new ProducePartitionResponse(partition, KafkaError.None, results[0].BaseOffset, results[0].LogAppendTime, -1, null);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            LogFailure(e, "produce");
            return new ProducePartitionResponse(partition, KafkaError.From(e), -1, -1, -1, e.Message);
        }
    }

    /// <summary>
    /// The record batches of one partition's records (usually one), each decompressed. Refused: a message
    /// set older than v2 (magic 0 or 1), transactional and control batches.
    /// </summary>
    private static List<(int Partition, ReadOnlyMemory<byte> Batch)> SplitBatches(ProducePartitionData data)
    {
        if (data.Records is not { Length: > 0 } records)
        {
            throw new RecordBatchFormatException("The partition's records are empty.");
        }

        var batches = new List<(int, ReadOnlyMemory<byte>)>();
        while (records.Length > 0)
        {
            if (records.Length > 16 && records.Span[16] != RecordBatch.Magic)
            {
                throw new RecordBatchFormatException($"Message format v{records.Span[16]} is not served: record batches v2 only (Kafka 0.11 and later clients).");
            }

            if (!RecordBatch.TryReadHeader(records.Span, out var header) || header.TotalSize > records.Length)
            {
                throw new RecordBatchFormatException("The records are not whole record batches.");
            }

            if ((header.Attributes & (TransactionalAttribute | ControlAttribute)) != 0)
            {
                throw new NotSupportedException("Transactional and control batches are not served: Cloud.Log has no transactions.");
            }

            batches.Add((data.Partition, BatchDecompressor.Decompress(records[..header.TotalSize])));
            records = records[header.TotalSize..];
        }

        return batches;
    }

    private static bool InitProducerId(KafkaReader reader, short version, KafkaWriter writer)
    {
        var request = InitProducerIdMessages.ReadRequest(reader, version);
        if (request.TransactionalId is not null)
        {
            InitProducerIdMessages.WriteResponse(writer, version, KafkaError.TransactionalIdAuthorizationFailed, -1, -1);
            return true;
        }

        if (request.ProducerId >= 0 && request.ProducerEpoch >= 0 && request.ProducerEpoch < short.MaxValue - 1)
        {
            // An idempotent producer bumping its epoch (KIP-360): the same id, the next epoch; its sequences start again at 0.
            InitProducerIdMessages.WriteResponse(writer, version, KafkaError.None, request.ProducerId, (short)(request.ProducerEpoch + 1));
            return true;
        }

        InitProducerIdMessages.WriteResponse(writer, version, KafkaError.None, NewProducerId(), 0);
        return true;
    }

    /// <summary>
    /// A new producer id, drawn as the REST API draws them: random below 2^62, so ids derived from idempotency
    /// keys (bit 62 set) never meet them, and two producers drawing the same id is not a risk worth a table round trip.
    /// </summary>
    private static long NewProducerId() =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & (ProducerIdempotence.KeyDerivedBit - 1);
}

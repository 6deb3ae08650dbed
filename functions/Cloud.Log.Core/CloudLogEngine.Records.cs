using Azure;
using Cloud.Log.Core.Log;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Partitioning;

namespace Cloud.Log.Core;

/// <summary>Produce, fetch and list offsets.</summary>
public sealed partial class CloudLogEngine
{
    /// <summary>The longest a fetch may wait for new records, as the contract caps it.</summary>
    public static readonly TimeSpan MaxFetchWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Appends records. The whole request is checked before anything is stored; the records bound for one
    /// partition are appended as one batch, together or not at all, at consecutive offsets. Answers one
    /// entry per record, in request order.
    /// </summary>
    public Task<IReadOnlyList<RecordMetadata>> ProduceAsync(string topic, IReadOnlyList<ProduceRecord> records, Acks acks = Acks.All, CancellationToken cancellationToken = default) =>
        ProduceAsync(topic, records, acks, idempotence: null, cancellationToken);

    /// <summary>
    /// Appends records as <see cref="ProduceAsync(string, IReadOnlyList{ProduceRecord}, Acks, CancellationToken)"/>
    /// does, with an idempotence identity: a call repeated with the same identity (a retry, a second queue
    /// delivery) is stored once and answered with the first call's offsets. In each partition the batch
    /// must continue the producer's sequence, else OUT_OF_ORDER_SEQUENCE_NUMBER (a batch in between is
    /// missing) or INVALID_PRODUCER_EPOCH (a newer epoch fenced this producer).
    /// </summary>
    public Task<IReadOnlyList<RecordMetadata>> ProduceAsync(string topic, IReadOnlyList<ProduceRecord> records, Acks acks, ProducerIdempotence? idempotence, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            TopicCatalog.ValidateName(topic);
            ArgumentNullException.ThrowIfNull(records);
            if (records.Count == 0)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "A produce request needs at least one record.");
            }

            for (var i = 0; i < records.Count; i++)
            {
                ValidateRecord(records[i], i);
            }

            var metadata = await _topics.GetAsync(topic, cancellationToken).ConfigureAwait(false);
            if (records.Any(r => r.Partition >= metadata.PartitionCount))
            {
                metadata = await _topics.GetAsync(topic, cancellationToken, refresh: true).ConfigureAwait(false); // partitions may have been added elsewhere
            }

            if (metadata.Config.Compacted && records.Select((r, i) => (r, i)).FirstOrDefault(x => x.r.Key is null) is { r: not null } keyless)
            {
                throw new CloudLogException(ErrorCode.InvalidRecord, $"Record {keyless.i}: a compacted topic keeps the newest record of each key, so every record needs a key.");
            }

            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var assignments = AssignPartitions(topic, records, metadata.PartitionCount, idempotence);
            var batches = assignments
                .Select((partition, index) => (partition, index))
                .GroupBy(a => a.partition)
                .Select(g =>
                {
                    var indexes = g.Select(a => a.index).ToList();
                    var producerRecords = indexes.Select(i => new ProducerRecord(records[i].Key, records[i].Value, records[i].Timestamp, records[i].Headers ?? [])).ToList();
                    var bytes = RecordBatch.Encode(producerRecords, metadata.Config.TimestampType, now, idempotence?.ForPartition(g.Key));
                    if (bytes.Length > metadata.Config.MaxBatchBytes)
                    {
                        throw new CloudLogException(ErrorCode.RecordTooLarge, $"The batch for partition {g.Key} is {bytes.Length} bytes; max.message.bytes is {metadata.Config.MaxBatchBytes}.");
                    }

                    return (Partition: g.Key, Indexes: indexes, Bytes: bytes);
                })
                .ToList();

            // Everything is valid: only now does anything reach storage. Each partition's batch succeeds or
            // fails on its own (a sequence check, a storage outage): a failure after another partition was
            // stored is answered per partition, never as one error for a request that was partly stored.
            var appends = batches.Select(async b =>
            {
                var log = await GetLogAsync(metadata.TopicId, b.Partition, cancellationToken).ConfigureAwait(false);
                var append = log.AppendAsync(b.Bytes, metadata.Config, acks, cancellationToken);
                if (acks == Acks.None)
                {
                    return (b, Stored: (AppendResult?)null, Error: (CloudLogException?)null);
                }

                try
                {
                    return (b, Stored: await append.ConfigureAwait(false), Error: null);
                }
                catch (Exception e) when (e is CloudLogException or RequestFailedException)
                {
                    return (b, Stored: null, Error: e as CloudLogException ?? StorageErrors.ToCloudLog((RequestFailedException)e));
                }
            }).ToList();
            var outcomes = await Task.WhenAll(appends).ConfigureAwait(false);
            if (outcomes.All(o => o.Error is not null))
            {
                throw outcomes[0].Error!; // nothing was stored: the request's error
            }

            var results = new RecordMetadata[records.Count];
            foreach (var (batch, stored, error) in outcomes)
            {
                for (var i = 0; i < batch.Indexes.Count; i++)
                {
                    var index = batch.Indexes[i];
                    if (error is not null)
                    {
                        results[index] = new RecordMetadata(batch.Partition, -1, -1, error);
                        continue;
                    }

                    var appendTime = stored?.Duplicate == true ? stored.Value.Timestamp : now;
                    var timestamp = metadata.Config.TimestampType == TimestampType.LogAppendTime ? appendTime : records[index].Timestamp ?? appendTime;
                    results[index] = new RecordMetadata(batch.Partition, stored is { } s ? s.BaseOffset + i : -1, timestamp);
                }
            }

            return (IReadOnlyList<RecordMetadata>)results;
        });

    /// <summary>
    /// Appends record batches a producer encoded (the binary encoding the SDK uses). Each batch is checked
    /// whole before anything is stored — framing, CRC-32C, every record, <c>max.message.bytes</c>, a key on
    /// every record of a compacted topic, the timestamp type — and any failure there refuses the request.
    /// Then each is stored as it is, its base offset and leader epoch stamped by the partition's writer; an
    /// idempotent producer's fields in the batch header are checked as for any idempotent produce. Answers one
    /// outcome per batch, in request order: a partition that fails (a sequence gap, a storage outage) does not
    /// undo the others, as in Kafka's produce response. When every batch failed, throws the first failure.
    /// </summary>
    public async Task<IReadOnlyList<ProducedBatch>> ProduceBatchesAsync(string topic, IReadOnlyList<(int Partition, ReadOnlyMemory<byte> Batch)> batches, Acks acks = Acks.All, CancellationToken cancellationToken = default)
    {
        var stored = await QueueBatchesAsync(topic, batches, acks, cancellationToken).ConfigureAwait(false);
        return await stored.ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="ProduceBatchesAsync"/> in two steps, for a caller that must keep its requests in order while
    /// they are stored (Kafka's protocol answers a connection's requests in order, and a partition's batches must
    /// be stored in the order they were sent): the returned task completes once every batch is checked and queued
    /// at its partition's writer, so batches queued by a later call are stored after these; the task it gives
    /// completes with the outcomes once they are stored (with <see cref="Acks.None"/>, at once). A request
    /// refused whole throws from the first step, nothing queued; when every batch failed to be stored, the
    /// second task throws the first failure.
    /// </summary>
    public Task<Task<IReadOnlyList<ProducedBatch>>> QueueBatchesAsync(string topic, IReadOnlyList<(int Partition, ReadOnlyMemory<byte> Batch)> batches, Acks acks = Acks.All, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            TopicCatalog.ValidateName(topic);
            ArgumentNullException.ThrowIfNull(batches);
            if (batches.Count == 0)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "A produce request needs at least one batch.");
            }

            var metadata = await _topics.GetAsync(topic, cancellationToken).ConfigureAwait(false);
            if (batches.Any(b => b.Partition >= metadata.PartitionCount))
            {
                metadata = await _topics.GetAsync(topic, cancellationToken, refresh: true).ConfigureAwait(false);
            }

            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var checkedBatches = batches.Select((b, i) => CheckBatch(topic, metadata, b.Partition, b.Batch, i, now)).ToList();

            // Everything is valid: only now does anything reach storage. Batches of one partition keep their order.
            var logs = new PartitionLog[checkedBatches.Count];
            for (var i = 0; i < checkedBatches.Count; i++)
            {
                logs[i] = await GetLogAsync(metadata.TopicId, checkedBatches[i].Partition, cancellationToken).ConfigureAwait(false);
            }

            var appendTime = metadata.Config.TimestampType == TimestampType.LogAppendTime;
            var appends = new Task<ProducedBatch>[checkedBatches.Count];
            for (var i = 0; i < checkedBatches.Count; i++)
            {
                var (partition, bytes, header) = checkedBatches[i];
                var append = logs[i].AppendAsync(bytes, metadata.Config, acks, cancellationToken);
                appends[i] = acks == Acks.None
                    ? Task.FromResult(new ProducedBatch(partition, -1, header.RecordCount, -1))
                    : OutcomeAsync(partition, header.RecordCount, append, appendTime);
            }

            return AllStoredAsync(appends);

            static async Task<IReadOnlyList<ProducedBatch>> AllStoredAsync(Task<ProducedBatch>[] appends)
            {
                var outcomes = await Task.WhenAll(appends).ConfigureAwait(false);
                return outcomes.All(o => o.Error is not null) ? throw outcomes[0].Error! : outcomes;
            }

            static async Task<ProducedBatch> OutcomeAsync(int partition, int recordCount, Task<AppendResult> append, bool appendTime)
            {
                try
                {
                    var stored = await append.ConfigureAwait(false);
                    return new ProducedBatch(partition, stored.BaseOffset, recordCount, appendTime ? stored.Timestamp : -1);
                }
                catch (Exception e) when (e is CloudLogException or RequestFailedException)
                {
                    return new ProducedBatch(partition, -1, recordCount, -1, e as CloudLogException ?? StorageErrors.ToCloudLog((RequestFailedException)e));
                }
            }
        });

    /// <summary>
    /// Reads whole batches of one partition from the one holding <paramref name="offset"/> (null: the log
    /// start), as stored, never past the high watermark: at least one batch when one is available, then more
    /// while they fit <paramref name="maxBytes"/> and hold fewer than <paramref name="maxRecords"/> records
    /// together. Waits at the high watermark as <see cref="FetchAsync"/> does. No record is decoded.
    /// </summary>
    public Task<FetchedBatches> FetchBatchesAsync(string topic, int partition, long? offset = null, int maxRecords = 500, int maxBytes = 1024 * 1024, TimeSpan maxWait = default, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            if (maxRecords < 1 || maxBytes < 1 || maxWait < TimeSpan.Zero)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "maxRecords and maxBytes must be positive and maxWaitMs not negative.");
            }

            var log = await GetPartitionLogAsync(topic, partition, cancellationToken).ConfigureAwait(false);
            return await log.FetchBatchesAsync(offset, maxRecords, maxBytes, maxWait > MaxFetchWait ? MaxFetchWait : maxWait, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>Checks one producer-encoded batch and readies its bytes for the writer (a copy it may stamp).</summary>
    private static (int Partition, byte[] Bytes, RecordBatchHeader Header) CheckBatch(string topic, TopicMetadata metadata, int partition, ReadOnlyMemory<byte> batch, int index, long now)
    {
        if (partition < 0 || partition >= metadata.PartitionCount)
        {
            throw CloudLogException.UnknownPartition(topic, partition);
        }

        if (batch.Length > metadata.Config.MaxBatchBytes)
        {
            throw new CloudLogException(ErrorCode.RecordTooLarge, $"Batch {index} is {batch.Length} bytes; max.message.bytes is {metadata.Config.MaxBatchBytes}.");
        }

        RecordBatchHeader header;
        bool anyNullKey;
        try
        {
            header = RecordBatch.ValidateProduced(batch, out anyNullKey);
        }
        catch (RecordBatchFormatException e)
        {
            throw new CloudLogException(ErrorCode.InvalidRecord, $"Batch {index} is not a valid record batch: {e.Message}");
        }

        if (header.TimestampType == TimestampType.LogAppendTime || header.BaseTimestamp < 0)
        {
            throw new CloudLogException(ErrorCode.InvalidRecord, $"Batch {index}: a producer sends CreateTime timestamps, 0 or more; the service stamps LogAppendTime itself.");
        }

        if (header.ProducerId >= 0 && ProducerIdempotence.IsDerivedFromKey(header.ProducerId))
        {
            throw new CloudLogException(ErrorCode.InvalidRecord, $"Batch {index}: producer ids with bit 62 set are derived from idempotency keys by the service; a producer gets its id from POST /api/producers.");
        }

        if (metadata.Config.Compacted && anyNullKey)
        {
            throw new CloudLogException(ErrorCode.InvalidRecord, $"Batch {index}: a compacted topic keeps the newest record of each key, so every record needs a key.");
        }

        var bytes = batch.ToArray();
        if (metadata.Config.TimestampType == TimestampType.LogAppendTime)
        {
            RecordBatch.StampLogAppendTime(bytes, now);
        }

        return (partition, bytes, header);
    }

    /// <summary>
    /// Reads records of one partition from <paramref name="offset"/> (null: the log start), never past the
    /// high watermark. At least one record comes back when one is available, even past
    /// <paramref name="maxBytes"/>. At the high watermark it waits up to <paramref name="maxWait"/>
    /// (capped at <see cref="MaxFetchWait"/>) for new records.
    /// </summary>
    public Task<FetchResult> FetchAsync(string topic, int partition, long? offset = null, int maxRecords = 500, int maxBytes = 1024 * 1024, TimeSpan maxWait = default, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            if (maxRecords < 1 || maxBytes < 1 || maxWait < TimeSpan.Zero)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "maxRecords and maxBytes must be positive and maxWaitMs not negative.");
            }

            var log = await GetPartitionLogAsync(topic, partition, cancellationToken).ConfigureAwait(false);
            var wait = maxWait > MaxFetchWait ? MaxFetchWait : maxWait;
            return await log.FetchAsync(offset, maxRecords, maxBytes, wait, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>The log start (earliest) of a partition.</summary>
    public Task<OffsetLookup> GetEarliestOffsetAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var log = await GetPartitionLogAsync(topic, partition, cancellationToken).ConfigureAwait(false);
            return new OffsetLookup(await log.GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false), null);
        });

    /// <summary>The high watermark (latest) of a partition.</summary>
    public Task<OffsetLookup> GetLatestOffsetAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var log = await GetPartitionLogAsync(topic, partition, cancellationToken).ConfigureAwait(false);
            return new OffsetLookup(await log.GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false), null);
        });

    /// <summary>The first offset whose record timestamp is at or after <paramref name="timestamp"/> (Kafka's ListOffsets), or a null offset.</summary>
    public Task<OffsetLookup> GetOffsetForTimestampAsync(string topic, int partition, long timestamp, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            if (timestamp < 0)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "A timestamp is milliseconds since the Unix epoch, not negative.");
            }

            var log = await GetPartitionLogAsync(topic, partition, cancellationToken).ConfigureAwait(false);
            return await log.FindOffsetForTimestampAsync(timestamp, cancellationToken).ConfigureAwait(false);
        });

    private static void ValidateRecord(ProduceRecord record, int index)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Partition < 0)
        {
            throw new CloudLogException(ErrorCode.UnknownTopicOrPartition, $"Record {index}: partition {record.Partition} does not exist.");
        }

        if (record.Timestamp < 0)
        {
            throw new CloudLogException(ErrorCode.InvalidRecord, $"Record {index}: a timestamp is milliseconds since the Unix epoch, not negative.");
        }

        if (record.Headers?.Any(h => h is null || h.Key is null) == true)
        {
            throw new CloudLogException(ErrorCode.InvalidRecord, $"Record {index}: every header needs a key.");
        }
    }

    /// <summary>
    /// The contract's partition choice: explicit first; a keyed record by Kafka's murmur2; keyless records
    /// sticky per request, rotating between requests — except under an idempotence identity, whose keyless
    /// records go to the partition the identity itself picks, so that a retry lands where the first try did.
    /// </summary>
    private int[] AssignPartitions(string topic, IReadOnlyList<ProduceRecord> records, int partitionCount, ProducerIdempotence? idempotence)
    {
        var sticky = -1;
        var result = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record.Partition is { } explicitPartition)
            {
                if (explicitPartition >= partitionCount)
                {
                    throw CloudLogException.UnknownPartition(topic, explicitPartition);
                }

                result[i] = explicitPartition;
            }
            else if (record.Key is { } key)
            {
                result[i] = KeyPartitioner.PartitionFor(key.Span, partitionCount);
            }
            else
            {
                if (sticky < 0)
                {
                    sticky = idempotence is not null
                        ? idempotence.KeylessPartition(partitionCount)
                        : (int)((ulong)Interlocked.Increment(ref _keylessCounter) % (ulong)partitionCount);
                }

                result[i] = sticky;
            }
        }

        return result;
    }

    private async Task<PartitionLog> GetPartitionLogAsync(string topic, int partition, CancellationToken cancellationToken)
    {
        var metadata = await _topics.GetAsync(topic, cancellationToken).ConfigureAwait(false);
        if (partition < 0 || partition >= metadata.PartitionCount)
        {
            metadata = await _topics.GetAsync(topic, cancellationToken, refresh: true).ConfigureAwait(false);
            if (partition < 0 || partition >= metadata.PartitionCount)
            {
                throw CloudLogException.UnknownPartition(topic, partition);
            }
        }

        return await GetLogAsync(metadata.TopicId, partition, cancellationToken).ConfigureAwait(false);
    }
}

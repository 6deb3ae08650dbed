using Cloud.Log.Core;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Api.Http;

/// <summary>
/// One partition of a multi-partition fetch: what was asked for, and what it answers — stored batches (binary),
/// records (JSON), the partition's own error, or nothing when the request's byte budget ran out before it was read.
/// </summary>
internal sealed class PartitionFetch(string topic, int partition, long offset, int maxBytes, int maxRecords)
{
    public string Topic { get; } = topic;

    public int Partition { get; } = partition;

    public long Offset { get; } = offset;

    public int MaxBytes { get; } = maxBytes;

    public int MaxRecords { get; } = maxRecords;

    public FetchedBatches? Batches { get; private set; }

    public FetchResult? Records { get; private set; }

    public CloudLogException? Error { get; private set; }

    /// <summary>Whether the partition was read (or failed); false when the request's budget ran out first.</summary>
    public bool WasRead => Batches is not null || Records is not null || Error is not null;

    /// <summary>Whether the answer holds records of the partition.</summary>
    public bool HasRecords => Batches is { Batches.Count: > 0 } || Records is { Records.Count: > 0 };

    /// <summary>The bytes the answer holds: the batches' length, or the records' keys, values and headers.</summary>
    public long Bytes { get; private set; }

    /// <summary>The records the answer holds (for a binary answer, the batches' offset spans).</summary>
    public int RecordCount { get; private set; }

    public long NextOffset => Batches?.NextOffset ?? Records?.NextOffset ?? Offset;

    public long HighWatermark => Batches?.HighWatermark ?? Records?.HighWatermark ?? Error?.HighWatermark ?? -1;

    public long LogStartOffset => Batches?.LogStartOffset ?? Records?.LogStartOffset ?? Error?.LogStartOffset ?? -1;

    /// <summary>Reads the partition through the engine's own per-partition fetch; its failure becomes the partition's error.</summary>
    public async Task ReadAsync(CloudLogEngine engine, bool binary, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        try
        {
            if (binary)
            {
                Set(await engine.FetchBatchesAsync(Topic, Partition, Offset, MaxRecords, MaxBytes, maxWait, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                Set(await engine.FetchAsync(Topic, Partition, Offset, MaxRecords, MaxBytes, maxWait, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (CloudLogException e)
        {
            Release();
            Error = e;
        }
    }

    /// <summary>Takes another read's answer in place of this one's (a long poll's), giving this one's buffers back.</summary>
    public void TakeFrom(PartitionFetch other)
    {
        if (other.Batches is { } batches)
        {
            Set(batches);
        }
        else if (other.Records is { } records)
        {
            Set(records);
        }
    }

    /// <summary>Answers no records after all (over the request's budget), keeping the offsets read: the buffers go back.</summary>
    public void Drop()
    {
        if (Batches is { } batches)
        {
            Set(new FetchedBatches([], Offset, batches.HighWatermark, batches.LogStartOffset));
        }
        else if (Records is { } records)
        {
            Set(new FetchResult([], Offset, records.HighWatermark, records.LogStartOffset));
        }
    }

    /// <summary>Gives the engine's read buffers back, once the answer was copied out (or abandoned).</summary>
    public void Release() => Batches?.ReturnBuffers();

    private void Set(FetchedBatches batches)
    {
        Release();
        Batches = batches;
        Records = null;
        long bytes = 0;
        var count = 0;
        foreach (var batch in batches.Batches)
        {
            bytes += batch.Length;
            count += RecordBatch.TryReadHeader(batch.Span, out var header) ? header.LastOffsetDelta + 1 : 1;
        }

        Bytes = bytes;
        RecordCount = count;
    }

    private void Set(FetchResult records)
    {
        Release();
        Batches = null;
        Records = records;
        long bytes = 0;
        foreach (var record in records.Records)
        {
            bytes += (record.Key?.Length ?? 0) + (record.Value?.Length ?? 0);
            foreach (var header in record.Headers)
            {
                bytes += header.Key.Length + (header.Value?.Length ?? 0);
            }
        }

        Bytes = bytes;
        RecordCount = records.Records.Count;
    }
}

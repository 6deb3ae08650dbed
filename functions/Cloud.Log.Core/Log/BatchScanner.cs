using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Log;

/// <summary>Splits bytes read from a segment into whole batches, checking framing, offsets and CRC.</summary>
internal static class BatchScanner
{
    /// <summary>
    /// Parses consecutive batches from <paramref name="data"/>, which starts at a batch boundary whose first
    /// offset is <paramref name="expectedOffset"/> (null when unknown). Stops before an incomplete batch at
    /// the end and reports how many bytes were whole batches. With <paramref name="allowGaps"/> (a compacted
    /// segment, whose emptied batches are gone) a batch may start past the expected offset, never before it.
    /// </summary>
    public static List<StoredBatch> Parse(ReadOnlyMemory<byte> data, long? expectedOffset, string where, out int consumed, bool allowGaps = false)
    {
        var batches = new List<StoredBatch>();
        consumed = 0;
        try
        {
            while (RecordBatch.TryReadHeader(data.Span[consumed..], out var header))
            {
                if (consumed + header.TotalSize > data.Length)
                {
                    break;
                }

                if (expectedOffset is { } expected && (allowGaps ? header.BaseOffset < expected : header.BaseOffset != expected))
                {
                    throw new RecordBatchFormatException($"Batch at offset {header.BaseOffset} where {expected} was expected.");
                }

                var bytes = data.Slice(consumed, header.TotalSize);
                RecordBatch.VerifyCrc(bytes.Span);
                batches.Add(new StoredBatch(header, bytes));
                consumed += header.TotalSize;
                expectedOffset = header.NextOffset;
            }
        }
        catch (RecordBatchFormatException e)
        {
            throw Corrupt(where, e);
        }

        return batches;
    }

    /// <summary>The size of the batch that starts <paramref name="data"/>, or null if its header is not all there.</summary>
    public static int? PeekSize(ReadOnlySpan<byte> data, string where)
    {
        try
        {
            return RecordBatch.TryReadHeader(data, out var header) ? header.TotalSize : null;
        }
        catch (RecordBatchFormatException e)
        {
            throw Corrupt(where, e);
        }
    }

    /// <summary>Decodes a stored batch's records; a batch that does not decode is a corrupt one.</summary>
    public static IReadOnlyList<ConsumerRecord> Decode(StoredBatch batch)
    {
        try
        {
            return RecordBatch.DecodeRecords(batch.Bytes);
        }
        catch (RecordBatchFormatException e)
        {
            throw Corrupt($"the batch at offset {batch.BaseOffset}", e);
        }
    }

    public static CloudLogException Corrupt(string where, RecordBatchFormatException e) =>
        new(ErrorCode.CorruptMessage, $"Corrupt record batch in {where}: {e.Message}", e);
}

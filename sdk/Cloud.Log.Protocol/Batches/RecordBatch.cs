using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Cloud.Log.Protocol.Batches;

/// <summary>
/// Encodes and decodes record batches. The layout is Kafka's record batch v2 (magic 2), uncompressed;
/// integers are big-endian, and record fields use zig-zag varints. <c>docs/format.md</c> holds the same
/// table with examples.
/// <code>
/// offset size field
///  0      8   baseOffset            offset of the first record
///  8      4   batchLength           bytes after this field (total size - 12)
/// 12      4   partitionLeaderEpoch  epoch of the leader that appended it
/// 16      1   magic                 2
/// 17      4   crc                   CRC-32C (Castagnoli) of bytes 21..end
/// 21      2   attributes            bit 3: timestamp type (1 = LogAppendTime)
/// 23      4   lastOffsetDelta
/// 27      8   baseTimestamp
/// 35      8   maxTimestamp
/// 43      8   producerId            -1 when not idempotent
/// 51      2   producerEpoch         -1 when not idempotent
/// 53      4   baseSequence          -1 when not idempotent
/// 57      4   recordCount
/// 61      …   records
/// record: length varint, attributes int8 (0), timestampDelta varlong, offsetDelta varint,
///         keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
///         headerCount varint, then per header: keyLength varint, key (UTF-8), valueLength varint, value
/// </code>
/// The CRC leaves out the base offset and the leader epoch, so the writer that sequences a batch
/// stamps both without recomputing it (Kafka's reason, and ours).
/// </summary>
public static class RecordBatch
{
    /// <summary>The magic byte of this format version.</summary>
    public const byte Magic = 2;

    /// <summary>Bytes before the batch length counts: baseOffset and batchLength.</summary>
    public const int LogOverhead = 12;

    /// <summary>The size of the fixed batch header.</summary>
    public const int HeaderSize = 61;

    /// <summary>The attribute bit that marks LogAppendTime.</summary>
    public const short TimestampTypeAttributeMask = 0x08;

    /// <summary>Attribute bits 0-2: the compression codec of the records (0 = none; Kafka's gzip 1, snappy 2, lz4 3, zstd 4).</summary>
    public const short CompressionAttributeMask = 0x07;

    /// <summary>Attribute bit 4: a transactional batch (Kafka's transactions; Cloud.Log has none).</summary>
    public const short TransactionalAttributeMask = 0x10;

    /// <summary>Attribute bit 5: a control batch (Kafka's transaction markers; written by brokers, never by producers).</summary>
    public const short ControlAttributeMask = 0x20;

    /// <summary>"No producer id / epoch / sequence": the value of those fields for a non-idempotent batch.</summary>
    public const long NoProducerId = -1;

    private const int BatchLengthOffset = 8;
    private const int LeaderEpochOffset = 12;
    private const int MagicOffset = 16;
    private const int CrcOffset = 17;
    private const int AttributesOffset = 21;

    /// <summary>
    /// Encodes <paramref name="records"/> as one batch with base offset 0 and leader epoch -1; the writer
    /// stamps both with <see cref="StampOffsetAndEpoch"/> when it sequences the batch.
    /// </summary>
    /// <param name="records">At least one record.</param>
    /// <param name="timestampType">What the timestamps mean.</param>
    /// <param name="now">The time of append: the timestamp of records without one, and of every record under LogAppendTime.</param>
    /// <param name="producer">The idempotent producer's id, epoch and base sequence; null for a batch without (all -1).</param>
    public static byte[] Encode(IReadOnlyList<ProducerRecord> records, TimestampType timestampType, long now, ProducerBatchIdentity? producer = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one record.", nameof(records));
        }

        var baseTimestamp = timestampType == TimestampType.LogAppendTime ? now : records[0].Timestamp ?? now;
        var maxTimestamp = long.MinValue;
        var size = HeaderSize;
        var bodySizes = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var timestamp = timestampType == TimestampType.LogAppendTime ? now : records[i].Timestamp ?? now;
            maxTimestamp = Math.Max(maxTimestamp, timestamp);
            bodySizes[i] = RecordBodySize(records[i], timestamp - baseTimestamp, i);
            size += Varint.SizeOf(bodySizes[i]) + bodySizes[i];
        }

        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[BatchLengthOffset..], size - LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[LeaderEpochOffset..], -1);
        span[MagicOffset] = Magic;
        var attributes = timestampType == TimestampType.LogAppendTime ? TimestampTypeAttributeMask : (short)0;
        BinaryPrimitives.WriteInt16BigEndian(span[AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producer?.ProducerId ?? NoProducerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], producer?.ProducerEpoch ?? -1);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], producer?.BaseSequence ?? -1);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records.Count);

        var position = HeaderSize;
        for (var i = 0; i < records.Count; i++)
        {
            var timestamp = timestampType == TimestampType.LogAppendTime ? now : records[i].Timestamp ?? now;
            position += Varint.Write(span[position..], bodySizes[i]);
            position += WriteRecordBody(span[position..], records[i], timestamp - baseTimestamp, i);
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[CrcOffset..], ComputeCrc(span));
        return buffer;
    }

    /// <summary>
    /// The batch <paramref name="batch"/> with only <paramref name="retained"/> of its records (as log
    /// compaction keeps them): the same base offset, offset span, leader epoch, timestamps, producer fields
    /// and attributes, each kept record at its own offset, and a new CRC. Null when nothing is retained.
    /// </summary>
    /// <param name="batch">A whole, valid batch.</param>
    /// <param name="retained">Records decoded from it, in offset order.</param>
    public static byte[]? Compact(ReadOnlySpan<byte> batch, IReadOnlyList<ConsumerRecord> retained)
    {
        ArgumentNullException.ThrowIfNull(retained);
        if (retained.Count == 0)
        {
            return null;
        }

        if (!TryReadHeader(batch, out var header))
        {
            throw new RecordBatchFormatException("Not a whole batch.");
        }

        var logAppendTime = header.TimestampType == TimestampType.LogAppendTime;
        var records = retained.Select(r => (
            Record: new ProducerRecord(r.Key, r.Value, r.Timestamp, r.Headers),
            TimestampDelta: logAppendTime ? 0 : r.Timestamp - header.BaseTimestamp,
            OffsetDelta: checked((int)(r.Offset - header.BaseOffset)))).ToList();
        var bodySizes = records.Select(r => RecordBodySize(r.Record, r.TimestampDelta, r.OffsetDelta)).ToList();
        var size = HeaderSize + bodySizes.Sum(b => Varint.SizeOf(b) + b);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        batch[..HeaderSize].CopyTo(span);
        BinaryPrimitives.WriteInt32BigEndian(span[BatchLengthOffset..], size - LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records.Count);
        var position = HeaderSize;
        for (var i = 0; i < records.Count; i++)
        {
            position += Varint.Write(span[position..], bodySizes[i]);
            position += WriteRecordBody(span[position..], records[i].Record, records[i].TimestampDelta, records[i].OffsetDelta);
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[CrcOffset..], ComputeCrc(span));
        return buffer;
    }

    /// <summary>
    /// Marks a batch as stamped with the append time (a topic's <c>message.timestamp.type=LogAppendTime</c>):
    /// sets the attribute, makes <paramref name="appendTime"/> its base and max timestamp, and recomputes the CRC.
    /// </summary>
    public static void StampLogAppendTime(Span<byte> batch, long appendTime)
    {
        var attributes = (short)(BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]) | TimestampTypeAttributeMask);
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt64BigEndian(batch[27..], appendTime);
        BinaryPrimitives.WriteInt64BigEndian(batch[35..], appendTime);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], ComputeCrc(batch));
    }

    /// <summary>Stamps the base offset and leader epoch of an encoded batch; the CRC stays valid.</summary>
    public static void StampOffsetAndEpoch(Span<byte> batch, long baseOffset, int leaderEpoch)
    {
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[LeaderEpochOffset..], leaderEpoch);
    }

    /// <summary>
    /// Reads the header at the start of <paramref name="data"/>. Answers false when fewer than
    /// <see cref="HeaderSize"/> bytes are there; throws when the bytes cannot be a batch header.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> data, out RecordBatchHeader header)
    {
        header = default;
        if (data.Length < HeaderSize)
        {
            return false;
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(data[BatchLengthOffset..]);
        if (data[MagicOffset] != Magic)
        {
            throw new RecordBatchFormatException($"Magic byte {data[MagicOffset]} where {Magic} was expected.");
        }

        if (batchLength < HeaderSize - LogOverhead)
        {
            throw new RecordBatchFormatException($"Batch length {batchLength} is shorter than a batch header.");
        }

        var recordCount = BinaryPrimitives.ReadInt32BigEndian(data[57..]);
        var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(data[23..]);
        // A compacted batch keeps its offset span with fewer records (as in Kafka): lastOffsetDelta >= recordCount - 1.
        if (recordCount < 1 || lastOffsetDelta < recordCount - 1)
        {
            throw new RecordBatchFormatException($"Record count {recordCount} does not fit last offset delta {lastOffsetDelta}.");
        }

        header = new RecordBatchHeader(
            BaseOffset: BinaryPrimitives.ReadInt64BigEndian(data),
            BatchLength: batchLength,
            PartitionLeaderEpoch: BinaryPrimitives.ReadInt32BigEndian(data[LeaderEpochOffset..]),
            Crc: BinaryPrimitives.ReadUInt32BigEndian(data[CrcOffset..]),
            Attributes: BinaryPrimitives.ReadInt16BigEndian(data[AttributesOffset..]),
            LastOffsetDelta: lastOffsetDelta,
            BaseTimestamp: BinaryPrimitives.ReadInt64BigEndian(data[27..]),
            MaxTimestamp: BinaryPrimitives.ReadInt64BigEndian(data[35..]),
            ProducerId: BinaryPrimitives.ReadInt64BigEndian(data[43..]),
            ProducerEpoch: BinaryPrimitives.ReadInt16BigEndian(data[51..]),
            BaseSequence: BinaryPrimitives.ReadInt32BigEndian(data[53..]),
            RecordCount: recordCount);
        return true;
    }

    /// <summary>Throws <see cref="RecordBatchFormatException"/> unless the whole batch's CRC-32C matches.</summary>
    public static void VerifyCrc(ReadOnlySpan<byte> batch)
    {
        var stored = BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]);
        var computed = ComputeCrc(batch);
        if (stored != computed)
        {
            throw new RecordBatchFormatException($"CRC-32C mismatch: stored {stored:x8}, computed {computed:x8}.");
        }
    }

    /// <summary>
    /// Decodes the records of one whole batch after checking its CRC. Keys, values and header values are
    /// slices of <paramref name="batch"/>, not copies.
    /// </summary>
    public static IReadOnlyList<ConsumerRecord> DecodeRecords(ReadOnlyMemory<byte> batch)
    {
        var records = new List<ConsumerRecord>();
        Walk(batch, records, out _);
        return records;
    }

    /// <summary>
    /// Checks one whole batch as <see cref="DecodeRecords"/> does (framing, CRC, every record's fields and
    /// offsets) without building the records: what a service does before it stores a producer's batch.
    /// Answers its header and whether any record has a null key.
    /// </summary>
    public static RecordBatchHeader Validate(ReadOnlyMemory<byte> batch, out bool anyNullKey) => Walk(batch, null, out anyNullKey, fromProducer: false);

    /// <summary>
    /// Checks a batch a producer sent, before a service stores it: everything <see cref="Validate"/> checks,
    /// and what only a producer's batch must satisfy (Kafka's broker refuses the same from clients):
    /// uncompressed (this decoder reads no codec), neither transactional nor a control batch, no attribute
    /// bit this format does not define, <c>lastOffsetDelta</c> exactly <c>recordCount - 1</c> with the records
    /// at offset deltas 0, 1, 2…, and producer fields that are either all "none" (producer id -1) or a
    /// producer id of 0 or more with an epoch and base sequence of 0 or more.
    /// </summary>
    public static RecordBatchHeader ValidateProduced(ReadOnlyMemory<byte> batch, out bool anyNullKey) => Walk(batch, null, out anyNullKey, fromProducer: true);

    private static void CheckProduced(RecordBatchHeader header)
    {
        var attributes = header.Attributes;
        if ((attributes & CompressionAttributeMask) != 0)
        {
            throw new RecordBatchFormatException($"The batch is compressed (codec {attributes & CompressionAttributeMask}); this endpoint takes uncompressed batches only.");
        }

        if ((attributes & ControlAttributeMask) != 0)
        {
            throw new RecordBatchFormatException("A control batch is written by the log itself, never by a producer.");
        }

        if ((attributes & TransactionalAttributeMask) != 0)
        {
            throw new RecordBatchFormatException("The batch is transactional; Cloud.Log has no transactions.");
        }

        if ((attributes & ~(CompressionAttributeMask | TimestampTypeAttributeMask | TransactionalAttributeMask | ControlAttributeMask)) != 0)
        {
            throw new RecordBatchFormatException($"Attribute bits 0x{attributes & 0xFFC0:x4} are not defined for a producer's batch.");
        }

        if (header.LastOffsetDelta != header.RecordCount - 1)
        {
            throw new RecordBatchFormatException($"Last offset delta {header.LastOffsetDelta} does not match record count {header.RecordCount}: a producer's batch has its records at offset deltas 0 to count - 1.");
        }

        if (header.ProducerId < NoProducerId || (header.ProducerId >= 0 && (header.ProducerEpoch < 0 || header.BaseSequence < 0)))
        {
            throw new RecordBatchFormatException($"Producer id {header.ProducerId}, epoch {header.ProducerEpoch}, base sequence {header.BaseSequence}: an idempotent batch has all three 0 or more, a plain one producer id -1.");
        }
    }

    private static RecordBatchHeader Walk(ReadOnlyMemory<byte> batch, List<ConsumerRecord>? records, out bool anyNullKey, bool fromProducer = false)
    {
        var span = batch.Span;
        if (!TryReadHeader(span, out var header) || header.TotalSize != batch.Length)
        {
            throw new RecordBatchFormatException("The bytes are not exactly one record batch.");
        }

        VerifyCrc(span);
        if (fromProducer)
        {
            CheckProduced(header);
        }
        anyNullKey = false;
        var position = HeaderSize;
        var previousDelta = -1;
        for (var i = 0; i < header.RecordCount; i++)
        {
            var length = Varint.ReadInt32(span, ref position);
            var end = position + length;
            if (length < 1 || end > span.Length)
            {
                throw new RecordBatchFormatException($"Record {i} has length {length}, past the end of its batch.");
            }

            position++; // record attributes: unused
            var timestampDelta = Varint.ReadInt64(span, ref position);
            var offsetDelta = Varint.ReadInt32(span, ref position);
            if (offsetDelta <= previousDelta || offsetDelta > header.LastOffsetDelta)
            {
                throw new RecordBatchFormatException($"Record {i} has offset delta {offsetDelta}, out of order or past the batch's last.");
            }

            previousDelta = offsetDelta;
            var key = ReadBytes(batch, ref position, end);
            anyNullKey |= key is null;
            var value = ReadBytes(batch, ref position, end);
            var headerCount = Varint.ReadInt32(span, ref position);
            if (headerCount < 0 || headerCount > length)
            {
                throw new RecordBatchFormatException($"Record {i} claims {headerCount} headers.");
            }

            var headers = headerCount == 0 || records is null ? Array.Empty<RecordHeader>() : new RecordHeader[headerCount];
            for (var h = 0; h < headerCount; h++)
            {
                var headerKey = ReadBytes(batch, ref position, end)
                    ?? throw new RecordBatchFormatException($"Record {i} has a header with a null key.");
                var headerValue = ReadBytes(batch, ref position, end);
                if (records is not null)
                {
                    headers[h] = new RecordHeader(Encoding.UTF8.GetString(headerKey.Span), headerValue);
                }
            }

            if (position != end)
            {
                throw new RecordBatchFormatException($"Record {i} does not end where its length says.");
            }

            if (records is not null)
            {
                var timestamp = header.TimestampType == TimestampType.LogAppendTime
                    ? header.MaxTimestamp
                    : header.BaseTimestamp + timestampDelta;
                records.Add(new ConsumerRecord(header.BaseOffset + offsetDelta, timestamp, header.TimestampType, key, value, headers));
            }
        }

        if (position != span.Length)
        {
            throw new RecordBatchFormatException("Bytes remain after the last record of the batch.");
        }

        return header;
    }

    private static uint ComputeCrc(ReadOnlySpan<byte> batch) =>
        Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, batch[AttributesOffset..]);

    private static ReadOnlyMemory<byte>? ReadBytes(ReadOnlyMemory<byte> batch, ref int position, int end)
    {
        var length = Varint.ReadInt32(batch.Span, ref position);
        if (length == -1)
        {
            return null;
        }

        if (length < -1)
        {
            throw new RecordBatchFormatException($"A field has length {length}; -1 (null) is the only negative length.");
        }

        if (position + length > end)
        {
            throw new RecordBatchFormatException("A field runs past the end of its record.");
        }

        var slice = batch.Slice(position, length);
        position += length;
        return slice;
    }

    private static int RecordBodySize(ProducerRecord record, long timestampDelta, int offsetDelta)
    {
        var size = 1 + Varint.SizeOf(timestampDelta) + Varint.SizeOf(offsetDelta)
            + FieldSize(record.Key) + FieldSize(record.Value) + Varint.SizeOf(record.Headers.Count);
        foreach (var header in record.Headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            size += Varint.SizeOf(keyLength) + keyLength + FieldSize(header.Value);
        }

        return size;
    }

    private static int FieldSize(ReadOnlyMemory<byte>? field) =>
        field is { } bytes ? Varint.SizeOf(bytes.Length) + bytes.Length : Varint.SizeOf(-1);

    private static int WriteRecordBody(Span<byte> destination, ProducerRecord record, long timestampDelta, int offsetDelta)
    {
        var position = 0;
        destination[position++] = 0;
        position += Varint.Write(destination[position..], timestampDelta);
        position += Varint.Write(destination[position..], offsetDelta);
        position += WriteField(destination[position..], record.Key);
        position += WriteField(destination[position..], record.Value);
        position += Varint.Write(destination[position..], record.Headers.Count);
        foreach (var header in record.Headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            position += Varint.Write(destination[position..], keyLength);
            position += Encoding.UTF8.GetBytes(header.Key, destination[position..]);
            position += WriteField(destination[position..], header.Value);
        }

        return position;
    }

    private static int WriteField(Span<byte> destination, ReadOnlyMemory<byte>? field)
    {
        if (field is not { } bytes)
        {
            return Varint.Write(destination, -1);
        }

        var position = Varint.Write(destination, bytes.Length);
        bytes.Span.CopyTo(destination[position..]);
        return position + bytes.Length;
    }
}

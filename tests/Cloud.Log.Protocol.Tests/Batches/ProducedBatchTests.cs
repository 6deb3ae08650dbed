using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Protocol.Tests.Batches;

/// <summary>
/// Issue 13, defect 11: a producer's batch is refused unless its offsets, record count, attributes and
/// producer fields are what Cloud.Log stores (Kafka's broker refuses the same from clients). Every case is
/// CRC-valid, so only the new rules can refuse it.
/// </summary>
public class ProducedBatchTests
{
    private static byte[] Batch(int records = 2, long producerId = -1, short epoch = -1, int sequence = -1) =>
        RecordBatch.Encode(
            Enumerable.Range(0, records).Select(i => new ProducerRecord(null, Encoding.UTF8.GetBytes($"v{i}"), 1000 + i)).ToList(),
            TimestampType.CreateTime,
            1000,
            producerId >= 0 ? new ProducerBatchIdentity(producerId, epoch, sequence) : null);

    /// <summary>Changes header bytes and computes the CRC again, as a lying producer would.</summary>
    private static byte[] Lie(byte[] batch, Action<Span<byte>> change)
    {
        var copy = (byte[])batch.Clone();
        change(copy);
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(17), Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, copy.AsSpan(21)));
        return copy;
    }

    public static TheoryData<string> Lies => ["offset-delta-past-count", "offset-delta-below-count", "count-above-records", "count-below-records", "count-zero",
        "gzip", "snappy", "lz4", "zstd", "codec-7", "transactional", "control", "bit-6", "bit-15", "producer-id-minus-2", "producer-epoch-negative", "base-sequence-negative"];

    private static byte[] Make(string lie) => lie switch
    {
        "offset-delta-past-count" => Lie(Batch(), b => BinaryPrimitives.WriteInt32BigEndian(b[23..], 5)),
        "offset-delta-below-count" => Lie(Batch(), b => BinaryPrimitives.WriteInt32BigEndian(b[23..], 0)),
        "count-above-records" => Lie(Batch(), b => BinaryPrimitives.WriteInt32BigEndian(b[57..], 3)),
        "count-below-records" => Lie(Batch(), b => { BinaryPrimitives.WriteInt32BigEndian(b[57..], 1); BinaryPrimitives.WriteInt32BigEndian(b[23..], 0); }),
        "count-zero" => Lie(Batch(), b => BinaryPrimitives.WriteInt32BigEndian(b[57..], 0)),
        "gzip" => Lie(Batch(), b => b[22] |= 1),
        "snappy" => Lie(Batch(), b => b[22] |= 2),
        "lz4" => Lie(Batch(), b => b[22] |= 3),
        "zstd" => Lie(Batch(), b => b[22] |= 4),
        "codec-7" => Lie(Batch(), b => b[22] |= 7),
        "transactional" => Lie(Batch(2, 7, 0, 0), b => b[22] |= 0x10),
        "control" => Lie(Batch(), b => b[22] |= 0x20),
        "bit-6" => Lie(Batch(), b => b[22] |= 0x40),
        "bit-15" => Lie(Batch(), b => b[21] |= 0x80),
        "producer-id-minus-2" => Lie(Batch(), b => BinaryPrimitives.WriteInt64BigEndian(b[43..], -2)),
        "producer-epoch-negative" => Lie(Batch(2, 7, 0, 0), b => BinaryPrimitives.WriteInt16BigEndian(b[51..], -1)),
        "base-sequence-negative" => Lie(Batch(2, 7, 0, 0), b => BinaryPrimitives.WriteInt32BigEndian(b[53..], -1)),
        _ => throw new ArgumentOutOfRangeException(nameof(lie)),
    };

    /// <summary>Each CRC-valid lie is refused with a reason.</summary>
    [Theory]
    [MemberData(nameof(Lies))]
    public void A_lying_producer_batch_is_refused(string lie)
    {
        var e = Assert.Throws<RecordBatchFormatException>(() => RecordBatch.ValidateProduced(Make(lie), out _));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    /// <summary>An offset span wider than the record count is what compaction leaves, so a stored batch may have it; a producer's may not.</summary>
    [Fact]
    public void A_wider_offset_span_is_valid_in_the_log_but_not_from_a_producer()
    {
        var gap = Make("offset-delta-past-count");
        Assert.Equal(5, RecordBatch.Validate(gap, out _).LastOffsetDelta);
        var e = Assert.Throws<RecordBatchFormatException>(() => RecordBatch.ValidateProduced(gap, out _));
        Assert.Contains("offset delta", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Compressed batches are named as such, so the producer knows what to change.</summary>
    [Fact]
    public void A_compressed_batch_is_refused_as_compressed()
    {
        var e = Assert.Throws<RecordBatchFormatException>(() => RecordBatch.ValidateProduced(Make("zstd"), out _));
        Assert.Contains("compressed", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Honest batches, plain and idempotent, pass.</summary>
    [Fact]
    public void Honest_producer_batches_pass()
    {
        Assert.Equal(3, RecordBatch.ValidateProduced(Batch(3), out var anyNullKey).RecordCount);
        Assert.True(anyNullKey);
        Assert.Equal(new ProducerBatchIdentity(7, 2, 40), RecordBatch.ValidateProduced(Batch(1, 7, 2, 40), out _).Producer);
    }
}

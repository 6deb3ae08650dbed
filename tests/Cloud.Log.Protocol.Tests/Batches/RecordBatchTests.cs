using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Protocol.Tests.Batches;

public class RecordBatchTests
{
    private static ProducerRecord Record(string? key, string? value, long? timestamp = null, params RecordHeader[] headers) =>
        new(Bytes(key), Bytes(value), timestamp, headers);

    // A null byte[] would convert to an empty (not null) ReadOnlyMemory: keep null as null.
    private static ReadOnlyMemory<byte>? Bytes(string? text) => text is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(text);

    private static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    /// <summary>What is encoded decodes to the same keys, values, nulls, headers and timestamps.</summary>
    [Fact]
    public void Encoded_batch_decodes_to_the_same_records()
    {
        var records = new[]
        {
            Record("k1", "v1", 1000, new RecordHeader("source", Encoding.UTF8.GetBytes("web")), new RecordHeader("empty", null)),
            Record(null, "keyless", 1005),
            Record("k3", null, 990),
            Record("", "", 2000),
            new ProducerRecord(new byte[] { 0, 255, 1 }, new byte[300], 1500),
        };
        var bytes = RecordBatch.Encode(records, TimestampType.CreateTime, now: 5000);
        RecordBatch.StampOffsetAndEpoch(bytes, 42, 7);

        Assert.True(RecordBatch.TryReadHeader(bytes, out var header));
        Assert.Equal(42, header.BaseOffset);
        Assert.Equal(7, header.PartitionLeaderEpoch);
        Assert.Equal(5, header.RecordCount);
        Assert.Equal(46, header.LastOffset);
        Assert.Equal(bytes.Length, header.TotalSize);
        Assert.Equal(1000, header.BaseTimestamp);
        Assert.Equal(2000, header.MaxTimestamp);
        Assert.Equal(-1, header.ProducerId);

        var decoded = RecordBatch.DecodeRecords(bytes);
        Assert.Equal(new long[] { 42, 43, 44, 45, 46 }, decoded.Select(r => r.Offset));
        Assert.Equal(new long[] { 1000, 1005, 990, 2000, 1500 }, decoded.Select(r => r.Timestamp));
        Assert.Equal(["k1", null, "k3", ""], decoded.Take(4).Select(r => Text(r.Key)));
        Assert.Equal("v1", Text(decoded[0].Value));
        Assert.Null(decoded[2].Value); // tombstone
        Assert.Equal("", Text(decoded[3].Value));
        Assert.Equal(300, decoded[4].Value!.Value.Length);
        Assert.Equal(new[] { 0, 255, 1 }, decoded[4].Key!.Value.ToArray().Select(b => (int)b));
        Assert.Equal(2, decoded[0].Headers.Count);
        Assert.Equal("source", decoded[0].Headers[0].Key);
        Assert.Equal("web", Text(decoded[0].Headers[0].Value));
        Assert.Null(decoded[0].Headers[1].Value);
        Assert.All(decoded, r => Assert.Equal(TimestampType.CreateTime, r.TimestampType));
    }

    /// <summary>Records without a timestamp take the time of append.</summary>
    [Fact]
    public void Missing_timestamps_take_the_append_time()
    {
        var bytes = RecordBatch.Encode([Record("a", "1"), Record("b", "2", 10)], TimestampType.CreateTime, now: 777);
        Assert.Equal(new long[] { 777, 10 }, RecordBatch.DecodeRecords(bytes).Select(r => r.Timestamp));
    }

    /// <summary>Under LogAppendTime every record reads back with the append time and the attribute bit set.</summary>
    [Fact]
    public void Log_append_time_stamps_every_record_with_the_append_time()
    {
        var bytes = RecordBatch.Encode([Record("a", "1", 5), Record("b", "2", 6)], TimestampType.LogAppendTime, now: 9999);
        RecordBatch.TryReadHeader(bytes, out var header);
        Assert.Equal(TimestampType.LogAppendTime, header.TimestampType);
        Assert.Equal(0x08, BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(21)));
        Assert.All(RecordBatch.DecodeRecords(bytes), r =>
        {
            Assert.Equal(9999, r.Timestamp);
            Assert.Equal(TimestampType.LogAppendTime, r.TimestampType);
        });
    }

    /// <summary>The header sits where Kafka's v2 layout puts it: magic 2 at byte 16, CRC-32C at 17 over bytes 21..end.</summary>
    [Fact]
    public void Layout_matches_kafka_v2_with_crc32c_over_attributes_to_end()
    {
        var bytes = RecordBatch.Encode([Record("k", "v", 1)], TimestampType.CreateTime, now: 1);
        Assert.Equal(2, bytes[16]);
        Assert.Equal(bytes.Length - 12, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)));
        var stored = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(17));
        Assert.Equal(Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, bytes.AsSpan(21)), stored);
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(57)));
    }

    /// <summary>The worked example of docs/format.md is exactly what the encoder writes, byte for byte.</summary>
    [Fact]
    public void Worked_example_in_the_docs_is_the_encoder_output()
    {
        var bytes = RecordBatch.Encode([Record("k", "v", 1732400000000, new RecordHeader("h", Encoding.UTF8.GetBytes("x")))], TimestampType.CreateTime, now: 0);
        RecordBatch.StampOffsetAndEpoch(bytes, 5, 1);
        const string documented =
            "0000000000000005" + "0000003E" + "00000001" + "02" + "DAFFAD23" + "0000" + "00000000" +
            "000001935B162C00" + "000001935B162C00" + "FFFFFFFFFFFFFFFF" + "FFFF" + "FFFFFFFF" + "00000001" +
            "18" + "00" + "00" + "00" + "026B" + "0276" + "02" + "02680278";
        Assert.Equal(documented, Convert.ToHexString(bytes));
    }

    /// <summary>
    /// Compacting a batch keeps the chosen records at their own offsets and timestamps, and the batch's offset
    /// span, epoch and producer fields, with a valid CRC; nothing retained is no batch.
    /// </summary>
    [Fact]
    public void Compacted_batch_keeps_offsets_span_and_producer_fields()
    {
        var bytes = RecordBatch.Encode(
            [Record("a", "1", 100), Record("b", "2", 105), Record("a", "3", 110), Record("c", null, 120)],
            TimestampType.CreateTime, now: 0, new ProducerBatchIdentity(9, 2, 40));
        RecordBatch.StampOffsetAndEpoch(bytes, 50, 3);
        var all = RecordBatch.DecodeRecords(bytes);
        var compacted = RecordBatch.Compact(bytes, [all[1], all[2]])!;

        Assert.True(RecordBatch.TryReadHeader(compacted, out var header));
        Assert.Equal(50, header.BaseOffset);
        Assert.Equal(53, header.LastOffset);
        Assert.Equal(2, header.RecordCount);
        Assert.Equal(3, header.PartitionLeaderEpoch);
        Assert.Equal(new ProducerBatchIdentity(9, 2, 40), header.Producer);
        var kept = RecordBatch.DecodeRecords(compacted);
        Assert.Equal([51L, 52L], kept.Select(r => r.Offset));
        Assert.Equal([105L, 110L], kept.Select(r => r.Timestamp));
        Assert.Equal(["2", "3"], kept.Select(r => Text(r.Value)));
        Assert.Null(RecordBatch.Compact(bytes, []));
        Assert.True(compacted.Length < bytes.Length);
    }

    /// <summary>A record whose offset delta goes backwards or past the batch's last is a format error.</summary>
    [Fact]
    public void Out_of_order_offset_deltas_are_format_errors()
    {
        var bytes = RecordBatch.Encode([Record("a", "1", 1), Record("b", "2", 1)], TimestampType.CreateTime, now: 0);
        var decoded = RecordBatch.DecodeRecords(bytes);
        var swapped = RecordBatch.Compact(bytes, [decoded[1], decoded[0] with { Offset = 1 }])!;
        Assert.Throws<RecordBatchFormatException>(() => RecordBatch.DecodeRecords(swapped));
    }

    /// <summary>CRC-32C is the Castagnoli polynomial: its standard check value for "123456789" is 0xE3069283.</summary>
    [Fact]
    public void Crc32c_is_castagnoli() =>
        Assert.Equal(0xE3069283u, Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, "123456789"u8));

    /// <summary>Stamping offset and epoch leaves the CRC valid: they lie outside what it covers.</summary>
    [Fact]
    public void Stamping_offset_and_epoch_keeps_the_crc_valid()
    {
        var bytes = RecordBatch.Encode([Record("k", "v", 1)], TimestampType.CreateTime, now: 1);
        RecordBatch.StampOffsetAndEpoch(bytes, long.MaxValue - 10, 123);
        RecordBatch.VerifyCrc(bytes);
        Assert.Equal(long.MaxValue - 10, RecordBatch.DecodeRecords(bytes)[0].Offset);
    }

    /// <summary>Any flipped byte in what the CRC covers is detected, never decoded.</summary>
    [Fact]
    public void A_flipped_byte_fails_the_crc()
    {
        var bytes = RecordBatch.Encode([Record("key", "value", 1)], TimestampType.CreateTime, now: 1);
        for (var i = 21; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x40;
            Assert.Throws<RecordBatchFormatException>(() => RecordBatch.DecodeRecords(copy));
        }
    }

    [Fact]
    public void Wrong_magic_and_bad_lengths_are_format_errors()
    {
        var bytes = RecordBatch.Encode([Record("k", "v", 1)], TimestampType.CreateTime, now: 1);
        var badMagic = (byte[])bytes.Clone();
        badMagic[16] = 1;
        Assert.Throws<RecordBatchFormatException>(() => RecordBatch.TryReadHeader(badMagic, out _));
        Assert.Throws<RecordBatchFormatException>(() => RecordBatch.DecodeRecords(bytes.AsMemory(0, bytes.Length - 1)));
        Assert.False(RecordBatch.TryReadHeader(bytes.AsSpan(0, 60), out _));
    }

    [Fact]
    public void An_empty_batch_cannot_be_encoded() =>
        Assert.Throws<ArgumentException>(() => RecordBatch.Encode([], TimestampType.CreateTime, 0));

    /// <summary>Zig-zag varints as Kafka writes them: 0→00, -1→01, 1→02, 300→d8 04.</summary>
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x01 })]
    [InlineData(1, new byte[] { 0x02 })]
    [InlineData(-64, new byte[] { 0x7f })]
    [InlineData(300, new byte[] { 0xd8, 0x04 })]
    public void Varints_are_zigzag_encoded(int value, byte[] expected)
    {
        var buffer = new byte[10];
        var written = Varint.Write(buffer, value);
        Assert.Equal(expected, buffer[..written]);
        var position = 0;
        Assert.Equal(value, Varint.ReadInt32(buffer, ref position));
        Assert.Equal(written, position);
        Assert.Equal(written, Varint.SizeOf(value));
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(-1234567890123L)]
    public void Long_varints_round_trip(long value)
    {
        var buffer = new byte[10];
        var written = Varint.Write(buffer, value);
        var position = 0;
        Assert.Equal(value, Varint.ReadInt64(buffer, ref position));
        Assert.Equal(written, Varint.SizeOf(value));
    }
}

using System.Buffers.Binary;
using System.IO.Hashing;
using Cloud.Log.Kafka.Compression;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Kafka.Tests.Compression;

/// <summary>The decompressor rebuilds the exact uncompressed batch: header kept, codec bits cleared, length and CRC anew.</summary>
public sealed class BatchDecompressorTests
{
    private static readonly byte[] Plain = RecordBatch.Encode(
        [.. Enumerable.Range(0, 5).Select(i => new ProducerRecord(new byte[] { (byte)i }, new byte[300], 1_700_000_000_000 + i, []))],
        TimestampType.CreateTime,
        1_700_000_000_000);

    /// <summary>Java's xerial snappy framing (magic header, then length-prefixed raw blocks) decompresses to the original batch.</summary>
    [Fact]
    public void XerialFramedSnappyDecompressesToTheOriginalBatch()
    {
        var records = Plain.AsSpan(RecordBatch.HeaderSize).ToArray();
        var half = records.Length / 2;
        var framed = new List<byte>([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1]);
        foreach (var block in new[] { records[..half], records[half..] })
        {
            var compressed = Snappier.Snappy.CompressToArray(block);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, compressed.Length);
            framed.AddRange(length);
            framed.AddRange(compressed);
        }

        Assert.Equal(Plain, BatchDecompressor.Decompress(Compressed(2, [.. framed])).ToArray());
    }

    /// <summary>Raw snappy, as librdkafka and kafkajs send it, decompresses to the original batch.</summary>
    [Fact]
    public void RawSnappyDecompressesToTheOriginalBatch() =>
        Assert.Equal(Plain, BatchDecompressor.Decompress(Compressed(2, Snappier.Snappy.CompressToArray(Plain.AsSpan(RecordBatch.HeaderSize)))).ToArray());

    /// <summary>An uncompressed batch is passed through as it is.</summary>
    [Fact]
    public void UncompressedBatchIsUnchanged() =>
        Assert.Equal(Plain, BatchDecompressor.Decompress(Plain).ToArray());

    /// <summary>Records that do not decompress, or a CRC that does not match, are a format error (CORRUPT_MESSAGE), not a crash.</summary>
    [Fact]
    public void GarbageRecordsAreAFormatError()
    {
        var garbage = Compressed(4, [1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.Throws<RecordBatchFormatException>(() => BatchDecompressor.Decompress(garbage));
        var badCrc = Compressed(1, [1, 2, 3]);
        badCrc[^1] ^= 0xFF;
        Assert.Throws<RecordBatchFormatException>(() => BatchDecompressor.Decompress(badCrc));
    }

    /// <summary>Plain's header with <paramref name="records"/> as its records, the codec set, the length and CRC made to match.</summary>
    private static byte[] Compressed(short codec, byte[] records)
    {
        var batch = new byte[RecordBatch.HeaderSize + records.Length];
        Plain.AsSpan(0, RecordBatch.HeaderSize).CopyTo(batch);
        records.CopyTo(batch.AsSpan(RecordBatch.HeaderSize));
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(8), batch.Length - 12);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), (short)(BinaryPrimitives.ReadInt16BigEndian(batch.AsSpan(21)) | codec));
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, batch.AsSpan(21)));
        return batch;
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Cloud.Log.Protocol.Batches;
using K4os.Compression.LZ4.Streams;

namespace Cloud.Log.Kafka.Compression;

/// <summary>
/// Turns a producer's compressed record batch (attributes bits 0-2: 1 gzip, 2 snappy, 3 lz4, 4 zstd) into
/// the same batch uncompressed, which is what Cloud.Log stores: every reader (JSON fetch, compaction, the
/// SDK, Kafka fetch) then reads one format. The header is kept (offsets, timestamps, producer fields), the
/// compression bits cleared, the batch length and CRC-32C written anew. Each codec is a maintained library:
/// System.IO.Compression (gzip), Snappier (snappy, raw or in Java's xerial framing), K4os LZ4 streams (lz4
/// frame), ZstdSharp (zstd).
/// </summary>
internal static class BatchDecompressor
{
    /// <summary>The most a batch may grow to once decompressed; a larger one is refused (a decompression bomb).</summary>
    public const int MaxDecompressedBytes = 64 * 1024 * 1024;

    private const int AttributesOffset = 21;
    private const int CompressionMask = 0x07;
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    /// <summary>The compression codec of a batch (0 = none).</summary>
    public static int CodecOf(ReadOnlySpan<byte> batch) =>
        batch.Length > AttributesOffset + 1 ? BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]) & CompressionMask : 0;

    /// <summary>
    /// The batch uncompressed: the same memory when it is not compressed. Throws
    /// <see cref="RecordBatchFormatException"/> for a batch whose CRC does not match, an unknown codec, or
    /// records that do not decompress.
    /// </summary>
    public static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> batch)
    {
        var codec = CodecOf(batch.Span);
        if (codec == 0)
        {
            return batch;
        }

        if (batch.Length < RecordBatch.HeaderSize)
        {
            throw new RecordBatchFormatException("The batch is shorter than its header.");
        }

        RecordBatch.VerifyCrc(batch.Span);
        var compressed = batch[RecordBatch.HeaderSize..];
        byte[] records;
        try
        {
            records = codec switch
            {
                1 => Inflate(new GZipStream(AsStream(compressed), CompressionMode.Decompress)),
                2 => Snappy(compressed.Span),
                3 => Inflate(LZ4Stream.Decode(AsStream(compressed))),
                4 => Inflate(new ZstdSharp.DecompressionStream(AsStream(compressed))),
                _ => throw new RecordBatchFormatException($"Compression codec {codec} is not one of Kafka's (1 gzip, 2 snappy, 3 lz4, 4 zstd)."),
            };
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or ArgumentException or ZstdSharp.ZstdException)
        {
            throw new RecordBatchFormatException($"The records do not decompress ({e.Message}).");
        }

        var result = new byte[RecordBatch.HeaderSize + records.Length];
        batch.Span[..RecordBatch.HeaderSize].CopyTo(result);
        records.CopyTo(result.AsSpan(RecordBatch.HeaderSize));
        BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(8), result.Length - RecordBatch.LogOverhead);
        var attributes = (short)(BinaryPrimitives.ReadInt16BigEndian(result.AsSpan(AttributesOffset)) & ~CompressionMask);
        BinaryPrimitives.WriteInt16BigEndian(result.AsSpan(AttributesOffset), attributes);
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(17), Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, result.AsSpan(AttributesOffset)));
        return result;
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    private static byte[] Inflate(Stream decoder)
    {
        using (decoder)
        {
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = decoder.Read(buffer)) > 0)
            {
                if (output.Length + read > MaxDecompressedBytes)
                {
                    throw new RecordBatchFormatException($"The records decompress to more than {MaxDecompressedBytes} bytes.");
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
    }

    /// <summary>Raw snappy (librdkafka, kafkajs) or Java's xerial framing: a 16-byte header, then blocks of int32 length and raw snappy.</summary>
    private static byte[] Snappy(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length < 16 || !compressed[..8].SequenceEqual(XerialMagic))
        {
            return SnappyBlock(compressed);
        }

        using var output = new MemoryStream();
        var position = 16;
        while (position < compressed.Length)
        {
            if (position + 4 > compressed.Length)
            {
                throw new RecordBatchFormatException("A xerial snappy block length runs past the batch.");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(compressed[position..]);
            position += 4;
            if (length < 0 || position + length > compressed.Length)
            {
                throw new RecordBatchFormatException("A xerial snappy block runs past the batch.");
            }

            var block = SnappyBlock(compressed.Slice(position, length));
            if (output.Length + block.Length > MaxDecompressedBytes)
            {
                throw new RecordBatchFormatException($"The records decompress to more than {MaxDecompressedBytes} bytes.");
            }

            output.Write(block);
            position += length;
        }

        return output.ToArray();
    }

    private static byte[] SnappyBlock(ReadOnlySpan<byte> compressed)
    {
        if (Snappier.Snappy.GetUncompressedLength(compressed) > MaxDecompressedBytes)
        {
            throw new RecordBatchFormatException($"The records decompress to more than {MaxDecompressedBytes} bytes.");
        }

        return Snappier.Snappy.DecompressToArray(compressed);
    }
}

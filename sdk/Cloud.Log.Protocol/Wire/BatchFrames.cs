using System.Buffers.Binary;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Protocol.Wire;

/// <summary>
/// The body of a binary produce (<see cref="MediaTypes.RecordBatches"/>): one or more frames, each a 4-byte
/// big-endian partition number followed by one record batch, whose own length field says where it ends.
/// <code>
/// frame: partition int32 | batch (baseOffset int64, batchLength int32, … batchLength bytes)
/// </code>
/// The service stamps each batch's base offset and leader epoch; the producer's CRC stays valid.
/// </summary>
public static class BatchFrames
{
    /// <summary>Bytes before a frame's batch: the partition number.</summary>
    public const int PartitionSize = 4;

    /// <summary>The frame of <paramref name="batch"/> for <paramref name="partition"/>.</summary>
    public static byte[] Frame(int partition, ReadOnlySpan<byte> batch)
    {
        var frame = new byte[PartitionSize + batch.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, partition);
        batch.CopyTo(frame.AsSpan(PartitionSize));
        return frame;
    }

    /// <summary>
    /// Splits a body into its frames. Throws <see cref="RecordBatchFormatException"/> when the body is empty,
    /// a frame is cut short, or a batch's header is not one; the batches themselves are checked by their reader.
    /// </summary>
    public static List<(int Partition, ReadOnlyMemory<byte> Batch)> Read(ReadOnlyMemory<byte> body)
    {
        var frames = new List<(int, ReadOnlyMemory<byte>)>();
        var position = 0;
        while (position < body.Length)
        {
            var rest = body.Span[position..];
            if (rest.Length < PartitionSize + RecordBatch.HeaderSize)
            {
                throw new RecordBatchFormatException($"Frame {frames.Count} is cut short: {rest.Length} bytes left.");
            }

            var partition = BinaryPrimitives.ReadInt32BigEndian(rest);
            RecordBatch.TryReadHeader(rest[PartitionSize..], out var header);
            if ((long)header.BatchLength + RecordBatch.LogOverhead > rest.Length - PartitionSize)
            {
                throw new RecordBatchFormatException($"Frame {frames.Count}'s batch claims {header.TotalSize} bytes; {rest.Length - PartitionSize} are left.");
            }

            frames.Add((partition, body.Slice(position + PartitionSize, header.TotalSize)));
            position += PartitionSize + header.TotalSize;
        }

        return frames.Count > 0 ? frames : throw new RecordBatchFormatException("The body holds no frame.");
    }
}

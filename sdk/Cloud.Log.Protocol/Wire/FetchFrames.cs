using System.Buffers.Binary;
using System.Text;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Protocol.Wire;

/// <summary>
/// The body of a binary multi-partition fetch answer (<c>POST /api/fetch</c> with <c>Accept:</c>
/// <see cref="MediaTypes.RecordBatches"/>): one frame per partition asked for, in the request's order, each a
/// header and then the partition's stored record batches back to back, exactly as a single-partition binary
/// fetch answers them. Every number is big-endian; strings are an int16 byte length and UTF-8 (length 0: none).
/// <code>
/// frame:  topic string | partition int32 | status int16 | code string | detail string
///         | nextOffset int64 | highWatermark int64 | logStartOffset int64 | batchesLength int32 | batches
/// </code>
/// <c>status</c> is 200, or the HTTP status of the partition's own error (<c>code</c> and <c>detail</c> then say
/// which, and <c>batches</c> is empty).
/// </summary>
public static class FetchFrames
{
    /// <summary>The fixed part of a frame's header: partition, status, three offsets, the batches' length, and three string lengths.</summary>
    private const int FixedSize = 4 + 2 + (3 * 8) + 4 + (3 * 2);

    /// <summary>The size of a frame's header, before its batches.</summary>
    public static int HeaderSize(string topic, string? code, string? detail) =>
        FixedSize + Encoding.UTF8.GetByteCount(topic) + (code is null ? 0 : Encoding.UTF8.GetByteCount(code)) + DetailBytes(detail);

    /// <summary>
    /// Writes a frame's header, <paramref name="batchesLength"/> bytes of batches to follow, into
    /// <paramref name="destination"/> (at least <see cref="HeaderSize"/> bytes); answers the bytes written.
    /// </summary>
    public static int WriteHeader(Span<byte> destination, FetchFrame frame, int batchesLength)
    {
        var position = WriteString(destination, frame.Topic);
        BinaryPrimitives.WriteInt32BigEndian(destination[position..], frame.Partition);
        position += 4;
        BinaryPrimitives.WriteInt16BigEndian(destination[position..], checked((short)frame.Status));
        position += 2;
        position += WriteString(destination[position..], frame.Code);
        position += WriteString(destination[position..], Truncate(frame.Detail));
        BinaryPrimitives.WriteInt64BigEndian(destination[position..], frame.NextOffset);
        BinaryPrimitives.WriteInt64BigEndian(destination[(position + 8)..], frame.HighWatermark);
        BinaryPrimitives.WriteInt64BigEndian(destination[(position + 16)..], frame.LogStartOffset);
        BinaryPrimitives.WriteInt32BigEndian(destination[(position + 24)..], batchesLength);
        return position + 28;
    }

    /// <summary>A whole frame: its header and <see cref="FetchFrame.Batches"/>.</summary>
    public static byte[] Write(FetchFrame frame)
    {
        var bytes = new byte[HeaderSize(frame.Topic, frame.Code, frame.Detail) + frame.Batches.Length];
        var written = WriteHeader(bytes, frame, frame.Batches.Length);
        frame.Batches.Span.CopyTo(bytes.AsSpan(written));
        return bytes;
    }

    /// <summary>
    /// Splits an answer into its frames; each frame's batches are a slice of <paramref name="body"/>, not a copy.
    /// Throws <see cref="RecordBatchFormatException"/> when a frame is cut short or claims more than is left.
    /// </summary>
    public static List<FetchFrame> Read(ReadOnlyMemory<byte> body)
    {
        var frames = new List<FetchFrame>();
        var position = 0;
        while (position < body.Length)
        {
            var span = body.Span;
            var topic = ReadString(span, ref position, frames.Count) ?? throw new RecordBatchFormatException($"Frame {frames.Count} names no topic.");
            Need(span, position, 6, frames.Count);
            var partition = BinaryPrimitives.ReadInt32BigEndian(span[position..]);
            var status = BinaryPrimitives.ReadInt16BigEndian(span[(position + 4)..]);
            position += 6;
            var code = ReadString(span, ref position, frames.Count);
            var detail = ReadString(span, ref position, frames.Count);
            Need(span, position, 28, frames.Count);
            var next = BinaryPrimitives.ReadInt64BigEndian(span[position..]);
            var highWatermark = BinaryPrimitives.ReadInt64BigEndian(span[(position + 8)..]);
            var logStart = BinaryPrimitives.ReadInt64BigEndian(span[(position + 16)..]);
            var length = BinaryPrimitives.ReadInt32BigEndian(span[(position + 24)..]);
            position += 28;
            if (length < 0)
            {
                throw new RecordBatchFormatException($"Frame {frames.Count} claims {length} bytes of batches.");
            }

            Need(span, position, length, frames.Count);
            frames.Add(new FetchFrame(topic, partition, status, code, detail, next, highWatermark, logStart, body.Slice(position, length)));
            position += length;
        }

        return frames;
    }

    private static int DetailBytes(string? detail) => detail is null ? 0 : Encoding.UTF8.GetByteCount(Truncate(detail)!);

    /// <summary>A detail short enough for its int16 length (a few hundred characters at most in practice).</summary>
    private static string? Truncate(string? detail) => detail is { Length: > 4000 } ? detail[..4000] : detail;

    private static int WriteString(Span<byte> destination, string? text)
    {
        var length = text is null ? 0 : Encoding.UTF8.GetBytes(text, destination[2..]);
        BinaryPrimitives.WriteInt16BigEndian(destination, checked((short)length));
        return 2 + length;
    }

    private static string? ReadString(ReadOnlySpan<byte> span, ref int position, int frame)
    {
        Need(span, position, 2, frame);
        var length = BinaryPrimitives.ReadInt16BigEndian(span[position..]);
        position += 2;
        if (length < 0)
        {
            throw new RecordBatchFormatException($"Frame {frame} has a string of {length} bytes.");
        }

        Need(span, position, length, frame);
        var text = length == 0 ? null : Encoding.UTF8.GetString(span.Slice(position, length));
        position += length;
        return text;
    }

    private static void Need(ReadOnlySpan<byte> span, int position, int count, int frame)
    {
        if (span.Length - position < count)
        {
            throw new RecordBatchFormatException($"Frame {frame} is cut short: {count} bytes needed at byte {position}, {span.Length - position} left.");
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cloud.Log.Kafka.Protocol;

/// <summary>
/// Writes Kafka's primitive types into a growing buffer: the mirror of <see cref="KafkaReader"/>. Record
/// batches are written as they are stored, without a copy of their records being decoded.
/// </summary>
internal sealed class KafkaWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public KafkaWriter(int initialCapacity = 256)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _buffer.WrittenCount;

    /// <summary>What was written.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    public void WriteInt8(sbyte value) => Span(1)[0] = (byte)value;

    public void WriteBoolean(bool value) => Span(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Span(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Span(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Span(8), value);

    public void WriteUuid(Guid value) => value.TryWriteBytes(Span(16), bigEndian: true, out _);

    public void WriteUnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            Span(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Span(1)[0] = (byte)value;
    }

    public void WriteString(string value, bool flexible) => WriteNullableString(value, flexible);

    public void WriteNullableString(string? value, bool flexible)
    {
        if (value is null)
        {
            WriteLength(-1, flexible, wide: false);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteLength(length, flexible, wide: false);
        Encoding.UTF8.GetBytes(value, Span(length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool flexible)
    {
        WriteLength(value.Length, flexible, wide: true);
        value.CopyTo(Span(value.Length));
    }

    public void WriteNullableBytes(ReadOnlyMemory<byte>? value, bool flexible)
    {
        if (value is not { } bytes)
        {
            WriteLength(-1, flexible, wide: true);
            return;
        }

        WriteBytes(bytes.Span, flexible);
    }

    /// <summary>Record batches as one nullable-bytes field: their total length, then each as stored.</summary>
    public void WriteRecords(IReadOnlyList<ReadOnlyMemory<byte>> batches, bool flexible)
    {
        var total = 0;
        foreach (var batch in batches)
        {
            total += batch.Length;
        }

        WriteLength(total, flexible, wide: true);
        foreach (var batch in batches)
        {
            batch.Span.CopyTo(Span(batch.Length));
        }
    }

    /// <summary>An array's element count: int32 (-1 = null) or compact (0 = null).</summary>
    public void WriteArrayLength(int count, bool flexible) => WriteLength(count, flexible, wide: true);

    /// <summary>An array, each element written by <paramref name="write"/>.</summary>
    public void WriteArray<T>(IReadOnlyCollection<T> items, bool flexible, Action<KafkaWriter, T> write)
    {
        WriteArrayLength(items.Count, flexible);
        foreach (var item in items)
        {
            write(this, item);
        }
    }

    /// <summary>An empty tagged-field section, when <paramref name="flexible"/>.</summary>
    public void WriteEmptyTaggedFieldsIf(bool flexible)
    {
        if (flexible)
        {
            WriteUnsignedVarint(0);
        }
    }

    /// <summary>Overwrites 4 bytes already written at <paramref name="position"/> (a frame's length).</summary>
    public void PatchInt32(int position, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span.Slice(position, 4), value);

    private void WriteLength(int length, bool flexible, bool wide)
    {
        if (flexible)
        {
            WriteUnsignedVarint((uint)(length + 1));
        }
        else if (wide)
        {
            WriteInt32(length);
        }
        else
        {
            WriteInt16(checked((short)length));
        }
    }

    private Span<byte> Span(int count)
    {
        var span = _buffer.GetSpan(count)[..count];
        _buffer.Advance(count);
        return span;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Cloud.Log.Kafka.Protocol;

/// <summary>
/// Reads Kafka's primitive types (the protocol guide's "Protocol Primitive Types") from one request body:
/// big-endian integers, unsigned varints, strings and bytes with int16/int32 lengths in the classic
/// encoding, and with unsigned-varint lengths plus one (0 = null) in the flexible ("compact") encoding,
/// and tagged-field sections. Every length is checked against the bytes left, so a lying length ends in a
/// <see cref="KafkaProtocolException"/>, never an oversized allocation.
/// </summary>
internal sealed class KafkaReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;

    /// <summary>Where the next read starts.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _buffer.Length - Position;

    public sbyte ReadInt8() => (sbyte)Take(1).Span[0];

    public bool ReadBoolean() => Take(1).Span[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2).Span);

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4).Span);

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8).Span);

    public Guid ReadUuid() => new(Take(16).Span, bigEndian: true);

    /// <summary>An unsigned varint of at most 32 bits (5 bytes).</summary>
    public uint ReadUnsignedVarint()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1).Span[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new KafkaProtocolException("An unsigned varint runs past 5 bytes.");
    }

    /// <summary>A string that may not be null.</summary>
    public string ReadString(bool flexible) =>
        ReadNullableString(flexible) ?? throw new KafkaProtocolException("A string that may not be null is null.");

    /// <summary>A nullable string: int16 length (-1 = null), or a compact length (0 = null) when flexible.</summary>
    public string? ReadNullableString(bool flexible)
    {
        var length = flexible ? (int)ReadUnsignedVarint() - 1 : ReadInt16();
        if (length < -1)
        {
            throw new KafkaProtocolException($"A string has length {length}.");
        }

        return length == -1 ? null : Encoding.UTF8.GetString(Take(length).Span);
    }

    /// <summary>Bytes that may not be null.</summary>
    public ReadOnlyMemory<byte> ReadBytes(bool flexible) =>
        ReadNullableBytes(flexible) ?? throw new KafkaProtocolException("Bytes that may not be null are null.");

    /// <summary>Nullable bytes: int32 length (-1 = null), or a compact length (0 = null) when flexible.</summary>
    public ReadOnlyMemory<byte>? ReadNullableBytes(bool flexible)
    {
        var length = flexible ? (long)ReadUnsignedVarint() - 1 : ReadInt32();
        if (length < -1)
        {
            throw new KafkaProtocolException($"Bytes have length {length}.");
        }

        return length == -1 ? null : Take(checked((int)length));
    }

    /// <summary>
    /// An array's element count: int32 (-1 = null) or compact (0 = null). A count larger than the bytes
    /// left cannot be honest (every element takes a byte at least) and is refused.
    /// </summary>
    public int ReadArrayLength(bool flexible)
    {
        var length = flexible ? (long)ReadUnsignedVarint() - 1 : ReadInt32();
        if (length < -1 || length > Remaining)
        {
            throw new KafkaProtocolException($"An array claims {length} elements with {Remaining} bytes left.");
        }

        return (int)length;
    }

    /// <summary>An array that may be null (answered as empty); each element read by <paramref name="read"/>.</summary>
    public List<T> ReadArray<T>(bool flexible, Func<KafkaReader, T> read)
    {
        var count = ReadArrayLength(flexible);
        var items = new List<T>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            items.Add(read(this));
        }

        return items;
    }

    /// <summary>A tagged-field section: skipped whole (no tagged field of a request changes what we answer).</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarint();
        if (count > Remaining)
        {
            throw new KafkaProtocolException($"A tagged-field section claims {count} fields with {Remaining} bytes left.");
        }

        for (var i = 0; i < count; i++)
        {
            ReadUnsignedVarint(); // the tag
            var size = ReadUnsignedVarint();
            Take(checked((int)size));
        }
    }

    /// <summary>Reads the tagged fields when <paramref name="flexible"/>.</summary>
    public void SkipTaggedFieldsIf(bool flexible)
    {
        if (flexible)
        {
            SkipTaggedFields();
        }
    }

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new KafkaProtocolException($"The request ends early: {count} bytes wanted, {Remaining} left.");
        }

        var slice = _buffer.Slice(Position, count);
        Position += count;
        return slice;
    }
}

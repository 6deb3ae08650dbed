namespace Cloud.Log.Protocol.Batches;

/// <summary>Kafka's zig-zag variable-length integers (protobuf style), as used inside records.</summary>
internal static class Varint
{
    public static int SizeOf(int value) => SizeOfUnsigned(ZigZag(value));

    public static int SizeOf(long value) => SizeOfUnsigned(ZigZag(value));

    public static int Write(Span<byte> destination, int value) => WriteUnsigned(destination, ZigZag(value));

    public static int Write(Span<byte> destination, long value) => WriteUnsigned(destination, ZigZag(value));

    public static int ReadInt32(ReadOnlySpan<byte> source, ref int position)
    {
        var raw = ReadUnsigned(source, ref position, 5);
        if (raw > uint.MaxValue)
        {
            throw new RecordBatchFormatException("A varint does not fit in 32 bits.");
        }

        var value = (uint)raw;
        return (int)(value >> 1) ^ -(int)(value & 1);
    }

    public static long ReadInt64(ReadOnlySpan<byte> source, ref int position)
    {
        var value = ReadUnsigned(source, ref position, 10);
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static ulong ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static int SizeOfUnsigned(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadUnsigned(ReadOnlySpan<byte> source, ref int position, int maxBytes)
    {
        ulong result = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            if (position >= source.Length)
            {
                throw new RecordBatchFormatException("A varint runs past the end of its record.");
            }

            var b = source[position++];
            result |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new RecordBatchFormatException("A varint is longer than its type allows.");
    }
}

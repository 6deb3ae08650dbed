namespace Cloud.Log.Protocol.Partitioning;

/// <summary>
/// The 32-bit murmur2 hash exactly as Kafka's Java client computes it (<c>Utils.murmur2</c>), seed
/// <c>0x9747b28c</c>, so that a key lands in the partition Kafka would choose.
/// </summary>
public static class Murmur2
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    /// <summary>The murmur2 hash of <paramref name="data"/>, as a signed int like Java's.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        var h = Seed ^ (uint)length;
        var length4 = length / 4;

        for (var i = 0; i < length4; i++)
        {
            var i4 = i * 4;
            var k = (uint)(data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24));
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        // The Java switch falls through: handle the last few bytes of the input.
        var tail = length4 * 4;
        switch (length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= M;
                break;
        }

        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return unchecked((int)h);
    }

    /// <summary>Kafka's <c>Utils.toPositive</c>: clears the sign bit (not <c>Math.Abs</c>).</summary>
    public static int ToPositive(int value) => value & 0x7fffffff;
}

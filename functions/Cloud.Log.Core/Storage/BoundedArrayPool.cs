using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;

namespace Cloud.Log.Core.Storage;

/// <summary>
/// A pool of large byte arrays that keeps at most <see cref="MaxIdleBytes"/> of them idle, over every size
/// together. <see cref="ArrayPool{T}.Create(int, int)"/> bounds each size's count instead (say 16 arrays of each
/// power of two up to 8 MiB) and never lets an array go, so a process that once used many sizes keeps the
/// largest count of each for good: the server's block and read pools held about 150 MiB of idle arrays after
/// a Kafka produce and fetch run (docs/memory.md). Here an array given back when the idle ones already add up
/// to the budget is left to the garbage collector, and a rent reuses an idle array of its size when there is
/// one. Sizes are powers of two, from <see cref="MinArrayLength"/> to <see cref="MaxArrayLength"/>; a longer
/// rent gets an array of its exact length that is never kept. Thread-safe.
/// </summary>
internal sealed class BoundedArrayPool : ArrayPool<byte>
{
    /// <summary>The smallest array handed out: smaller rents are rounded up to it.</summary>
    public const int MinArrayLength = 4 * 1024;

    private readonly ConcurrentBag<byte[]>[] _idle; // by size: MinArrayLength << index
    private long _idleBytes;

    /// <summary>A pool of arrays up to <paramref name="maxArrayLength"/> keeping up to <paramref name="maxIdleBytes"/> idle.</summary>
    public BoundedArrayPool(int maxArrayLength, long maxIdleBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxArrayLength, MinArrayLength);
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdleBytes);
        MaxArrayLength = (int)BitOperations.RoundUpToPowerOf2((uint)maxArrayLength);
        MaxIdleBytes = maxIdleBytes;
        _idle = new ConcurrentBag<byte[]>[SizeIndex(MaxArrayLength) + 1];
        for (var i = 0; i < _idle.Length; i++)
        {
            _idle[i] = [];
        }
    }

    /// <summary>The longest array kept for reuse (a power of two).</summary>
    public int MaxArrayLength { get; }

    /// <summary>The most bytes of idle arrays the pool keeps, all sizes together.</summary>
    public long MaxIdleBytes { get; }

    /// <summary>The bytes of the arrays kept idle now.</summary>
    public long IdleBytes => Interlocked.Read(ref _idleBytes);

    /// <inheritdoc />
    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        if (minimumLength > MaxArrayLength)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }

        var index = SizeIndex(minimumLength);
        if (_idle[index].TryTake(out var array))
        {
            Interlocked.Add(ref _idleBytes, -array.Length);
            return array;
        }

        return GC.AllocateUninitializedArray<byte>(MinArrayLength << index);
    }

    /// <inheritdoc />
    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length < MinArrayLength || array.Length > MaxArrayLength || !BitOperations.IsPow2(array.Length))
        {
            return; // not one of this pool's sizes: only garbage now
        }

        if (Interlocked.Add(ref _idleBytes, array.Length) > MaxIdleBytes)
        {
            Interlocked.Add(ref _idleBytes, -array.Length); // the budget is full: the collector takes it
            return;
        }

        if (clearArray)
        {
            Array.Clear(array);
        }

        _idle[SizeIndex(array.Length)].Add(array);
    }

    private static int SizeIndex(int length) =>
        length <= MinArrayLength ? 0 : BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length)) - BitOperations.Log2(MinArrayLength);
}

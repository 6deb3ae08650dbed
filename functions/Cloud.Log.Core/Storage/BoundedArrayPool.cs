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
/// to the budget takes the place of an idle array of another size (the largest), so the budget follows the sizes
/// in use; when only arrays of its own size are idle, it is left to the garbage collector. A rent reuses an idle
/// array of its size when there is one. Sizes are powers of two, from <see cref="MinArrayLength"/> to <see cref="MaxArrayLength"/>; a longer
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

        var index = SizeIndex(array.Length);
        if (!TryCount(array.Length) && !(EvictOtherSize(index) && TryCount(array.Length)))
        {
            return; // the budget is full of arrays of this size: the collector takes this one
        }

        if (clearArray)
        {
            Array.Clear(array);
        }

        _idle[index].Add(array);
    }

    /// <summary>Counts <paramref name="length"/> idle bytes more, unless that would pass the budget.</summary>
    private bool TryCount(int length)
    {
        if (Interlocked.Add(ref _idleBytes, length) <= MaxIdleBytes)
        {
            return true;
        }

        Interlocked.Add(ref _idleBytes, -length);
        return false;
    }

    /// <summary>
    /// Drops one idle array of another size, the largest there is, so that the budget follows the sizes in use
    /// now: idle arrays of a size no longer rented would otherwise fill it for good.
    /// </summary>
    private bool EvictOtherSize(int keep)
    {
        for (var i = _idle.Length - 1; i >= 0; i--)
        {
            if (i != keep && _idle[i].TryTake(out var evicted))
            {
                Interlocked.Add(ref _idleBytes, -evicted.Length);
                return true;
            }
        }

        return false;
    }

    private static int SizeIndex(int length) =>
        length <= MinArrayLength ? 0 : BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length)) - BitOperations.Log2(MinArrayLength);
}

using System.Buffers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>
/// The pool of one engine's group-commit blocks. A writer builds each attempt's block in an array rented here
/// (<see cref="Build"/>) and gives it back when the attempt ends, whichever way it ends (stored, refused, failed,
/// thrown): nothing keeps a block after its attempt — the tail cache copies the batches it keeps, and the writer's
/// view does not keep its own blocks — so the arrays are reused instead of a new array of up to
/// <see cref="Topics.TopicConfig.MaxBlockBytes"/> per group commit for the garbage collector. Thread-safe.
/// </summary>
internal sealed class BlockBuffers
{
    /// <summary>
    /// The arrays all engines' blocks are built in: arrays of up to 8 MiB (a block is at most 4 MiB) in power-of-two
    /// sizes, with at most 16 MiB of idle ones kept for reuse, all sizes together (eight partitions' 2 MiB blocks; more
    /// are made when more partitions append at once, and left to the garbage collector when they come back).
    /// </summary>
    private static readonly ArrayPool<byte> SharedPool = new BoundedArrayPool(maxArrayLength: 8 * 1024 * 1024, maxIdleBytes: 16L * 1024 * 1024);

    private readonly ArrayPool<byte> _pool;
    private long _outstanding;

    /// <summary>Blocks over the process-wide pool.</summary>
    public BlockBuffers()
        : this(SharedPool)
    {
    }

    /// <summary>Blocks over <paramref name="pool"/> (tests count what it rents and takes back).</summary>
    public BlockBuffers(ArrayPool<byte> pool) => _pool = pool;

    /// <summary>Blocks built and not given back yet: 0 whenever no append is in flight.</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>
    /// Copies <paramref name="batches"/> into one block in a rented array, each stamped with its offsets from
    /// <paramref name="baseOffset"/> on and with <paramref name="epoch"/>. Dispose the answer when the block's
    /// attempt is over: its array goes back to the pool.
    /// </summary>
    public Block Build(IReadOnlyList<byte[]> batches, long baseOffset, int epoch)
    {
        var length = 0;
        foreach (var batch in batches)
        {
            length += batch.Length;
        }

        var array = _pool.Rent(length);
        Interlocked.Increment(ref _outstanding);
        var block = new Block(this, array, length, batches.Count);
        try
        {
            var position = 0;
            foreach (var batch in batches)
            {
                var target = array.AsMemory(position, batch.Length);
                batch.CopyTo(target);
                RecordBatch.StampOffsetAndEpoch(target.Span, baseOffset, epoch);
                RecordBatch.TryReadHeader(target.Span, out var header);
                block.Batches.Add(new StoredBatch(header, target));
                baseOffset = header.NextOffset;
                position += batch.Length;
            }

            return block;
        }
        catch
        {
            block.Dispose();
            throw;
        }
    }

    private void Return(byte[] array)
    {
        _pool.Return(array);
        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>
    /// One attempt's block: its bytes and its batches (slices of them), valid until disposed. Disposing gives the
    /// array back once (a second dispose does nothing).
    /// </summary>
    internal sealed class Block : IDisposable
    {
        private readonly BlockBuffers _owner;
        private byte[]? _array;

        public Block(BlockBuffers owner, byte[] array, int length, int batchCount)
        {
            _owner = owner;
            _array = array;
            Bytes = array.AsMemory(0, length);
            Batches = new List<StoredBatch>(batchCount);
        }

        /// <summary>The block as it is appended: the batches, stamped, one after another.</summary>
        public ReadOnlyMemory<byte> Bytes { get; }

        /// <summary>The block's batches, in order; their bytes are slices of <see cref="Bytes"/>.</summary>
        public List<StoredBatch> Batches { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                _owner.Return(array);
            }
        }
    }
}

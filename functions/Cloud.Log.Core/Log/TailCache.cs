namespace Cloud.Log.Core.Log;

/// <summary>
/// A partition's newest batches in memory, contiguous by offset and bounded in bytes — its own bound, and the
/// engine-wide <see cref="TailCacheBudget"/> it shares with every other partition — so consumers at the tail
/// are served without a storage read (what the page cache does for Kafka). Thread-safe.
/// </summary>
/// <remarks>
/// The cache holds <b>its own copies</b> of the batches, never the arrays they were given in (a writer's block, a
/// storage read): so what it keeps alive is what it counts, and those arrays can be pooled or dropped at once. The
/// copies are packed in order into chunks of <see cref="ChunkBytes"/> (a batch larger than a quarter of a chunk
/// gets an array of its own size), and a chunk counts in full, its unused end included, from when it is made until
/// its last batch leaves: the bytes counted (<see cref="HeldBytes"/>, and the budget's) are the bytes of the arrays
/// held. A chunk is never written again once a batch in it was handed out, and never reused: a fetch may still be
/// writing out a batch that was evicted, so a chunk is left to the garbage collector once its last batch goes.
/// </remarks>
internal sealed class TailCache
{
    /// <summary>The default size of a chunk: batches are copied into arrays of this size, several to one.</summary>
    public const int DefaultChunkBytes = 1024 * 1024;

    private readonly LinkedList<(StoredBatch Batch, Chunk Chunk)> _batches = new();
    private readonly Lock _gate = new();
    private readonly long _capacityBytes;
    private readonly TailCacheBudget? _budget;

    /// <summary>Bytes of the chunks holding at least one cached batch (each counted whole).</summary>
    private long _bytes;

    /// <summary>The chunk the next small batch is copied into, while there is room in it.</summary>
    private Chunk? _current;

    /// <summary>A cache of <paramref name="capacityBytes"/> (0 turns it off), sharing <paramref name="budget"/> with other partitions' caches.</summary>
    public TailCache(long capacityBytes, TailCacheBudget? budget = null, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkBytes);
        _capacityBytes = capacityBytes;
        _budget = budget;
        ChunkBytes = (int)Math.Min(chunkBytes, Math.Max(capacityBytes, 1));
    }

    /// <summary>The size of a chunk; batches larger than a quarter of it are copied into arrays of their own.</summary>
    public int ChunkBytes { get; }

    /// <summary>Bytes of the arrays this cache holds now (what it counts against its bound and the budget).</summary>
    public long HeldBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Bytes of the batches this cache holds now (at most <see cref="HeldBytes"/>: the rest is chunks' unused room).</summary>
    public long BatchBytes
    {
        get
        {
            lock (_gate)
            {
                return _batches.Sum(b => (long)b.Batch.Bytes.Length);
            }
        }
    }

    /// <summary>The distinct arrays the cached batches lie in, with their lengths (for tests of the accounting).</summary>
    internal IReadOnlyList<byte[]> HeldArrays()
    {
        lock (_gate)
        {
            return [.. _batches.Select(b => b.Chunk.Buffer).Distinct()];
        }
    }

    /// <summary>Adds copies of batches that continue the cached run; a batch that does not starts a new run.</summary>
    public void Add(IEnumerable<StoredBatch> batches)
    {
        if (_capacityBytes == 0)
        {
            return;
        }

        List<Chunk>? made = null;
        long released = 0;
        lock (_gate)
        {
            foreach (var batch in batches)
            {
                if (_batches.Last is { } last && batch.BaseOffset != last.Value.Batch.NextOffset)
                {
                    if (batch.BaseOffset < last.Value.Batch.NextOffset && HoldsSame(batch))
                    {
                        continue; // already cached
                    }

                    // A gap, or other bytes where a cached batch lies (another segment's, or another epoch's):
                    // nothing cached may stand in for a batch it is not, so the run starts again here.
                    released += ClearHeld();
                }

                if (batch.Bytes.Length > _capacityBytes)
                {
                    released += ClearHeld(); // it can never be held: the run ends before it
                    continue;
                }

                var (chunk, isNew) = ChunkFor(batch.Bytes.Length);
                if (isNew)
                {
                    _bytes += chunk.Buffer.Length;
                    (made ??= []).Add(chunk);
                }

                var copy = chunk.Buffer.AsMemory(chunk.Used, batch.Bytes.Length);
                batch.Bytes.CopyTo(copy);
                chunk.Used += copy.Length;
                chunk.Batches++;
                _batches.AddLast((new StoredBatch(batch.Header, copy) { Blob = batch.Blob, Position = batch.Position }, chunk));
                while (_bytes > _capacityBytes && _batches.Count > 1)
                {
                    released += RemoveFirst();
                }
            }
        }

        if (_budget is not null)
        {
            _budget.Released(released);
            foreach (var chunk in made ?? [])
            {
                _budget.Added(this, chunk, chunk.Buffer.Length);
            }
        }
    }

    /// <summary>Where a batch of <paramref name="length"/> bytes is copied to: the current chunk, a new one, or an array of its own (caller holds the lock).</summary>
    private (Chunk Chunk, bool IsNew) ChunkFor(int length)
    {
        if (length > ChunkBytes / 4)
        {
            return (new Chunk(new byte[length]), true);
        }

        if (_current is { } current && current.Buffer.Length - current.Used >= length)
        {
            return (current, false);
        }

        _current = new Chunk(new byte[ChunkBytes]);
        return (_current, true);
    }

    /// <summary>Drops the oldest batch; answers the bytes that no longer count (its chunk's, when it was the chunk's last) (caller holds the lock).</summary>
    private long RemoveFirst()
    {
        var chunk = _batches.First!.Value.Chunk;
        _batches.RemoveFirst();
        if (--chunk.Batches > 0)
        {
            return 0;
        }

        if (ReferenceEquals(chunk, _current))
        {
            _current = null; // nothing of it is cached any more: it is left to the garbage collector, not refilled
        }

        _bytes -= chunk.Buffer.Length;
        return chunk.Buffer.Length;
    }

    /// <summary>Drops every batch; answers the bytes that no longer count (caller holds the lock).</summary>
    private long ClearHeld()
    {
        long released = 0;
        while (_batches.Count > 0)
        {
            released += RemoveFirst();
        }

        return released;
    }

    /// <summary>Whether the cache holds this very batch: same offset, epoch, length and CRC (caller holds the lock).</summary>
    private bool HoldsSame(StoredBatch batch)
    {
        // From the newest back: overlaps are re-reads of the newest batches.
        for (var node = _batches.Last; node is not null && node.Value.Batch.BaseOffset >= batch.BaseOffset; node = node.Previous)
        {
            if (node.Value.Batch.BaseOffset == batch.BaseOffset)
            {
                var (a, b) = (node.Value.Batch.Header, batch.Header);
                return a.PartitionLeaderEpoch == b.PartitionLeaderEpoch && a.BatchLength == b.BatchLength && a.Crc == b.Crc;
            }
        }

        return false;
    }

    /// <summary>The cached batches from the one holding <paramref name="offset"/> on, or null when it is not cached.</summary>
    public List<StoredBatch>? From(long offset)
    {
        lock (_gate)
        {
            if (_batches.First is not { } first || offset < first.Value.Batch.BaseOffset || offset >= _batches.Last!.Value.Batch.NextOffset)
            {
                return null;
            }

            return [.. _batches.Select(b => b.Batch).SkipWhile(b => b.NextOffset <= offset)];
        }
    }

    public void Clear()
    {
        long released;
        lock (_gate)
        {
            released = ClearHeld();
        }

        _budget?.Released(released);
    }

    /// <summary>Whether no batch in <paramref name="chunk"/> is held any more.</summary>
    public bool IsGone(Chunk chunk)
    {
        lock (_gate)
        {
            return chunk.Batches == 0;
        }
    }

    /// <summary>Drops the batches up to the last one in <paramref name="chunk"/> (older batches first), when any of it is still held.</summary>
    public void EvictThrough(Chunk chunk)
    {
        long released = 0;
        lock (_gate)
        {
            while (chunk.Batches > 0 && _batches.Count > 0)
            {
                released += RemoveFirst();
            }
        }

        _budget?.Released(released);
    }

    /// <summary>An array cached batches are copied into; changed only under its cache's lock.</summary>
    internal sealed class Chunk(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;

        /// <summary>Bytes of <see cref="Buffer"/> written so far (never written again).</summary>
        public int Used { get; set; }

        /// <summary>How many cached batches lie in it now.</summary>
        public int Batches { get; set; }
    }
}

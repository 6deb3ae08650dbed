namespace Cloud.Log.Core.Log;

/// <summary>
/// The bound on what all partitions' tail caches of one engine hold together (Kafka leaves this to the page
/// cache; an instance of ours has a memory limit instead). It counts the arrays the caches hold (their chunks,
/// see <see cref="TailCache"/>), in the order they were made; while the caches hold more than the budget, the
/// oldest chunks' batches go first, whichever partition they belong to — so an idle partition's cache drains away
/// and a hot one keeps its tail. Thread-safe.
/// </summary>
internal sealed class TailCacheBudget(long capacityBytes)
{
    /// <summary>Entries in the order list past which stale ones are swept out (chunks their cache dropped itself).</summary>
    private const int SweepThreshold = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<Entry> _order = new();
    private long _bytes;

    /// <summary>Bytes the caches hold together now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>A cache made a chunk of <paramref name="bytes"/>: count it, and evict the oldest chunks anywhere while over the budget.</summary>
    public void Added(TailCache cache, TailCache.Chunk chunk, int bytes)
    {
        List<Entry>? evict = null;
        lock (_gate)
        {
            _order.Enqueue(new Entry(cache, chunk, bytes));
            var over = Interlocked.Add(ref _bytes, bytes) - capacityBytes;
            while (over > 0 && _order.TryDequeue(out var oldest))
            {
                if (!oldest.Cache.IsGone(oldest.Chunk))
                {
                    (evict ??= []).Add(oldest);
                    over -= oldest.Bytes;
                }
            }

            if (_order.Count > SweepThreshold)
            {
                var live = _order.Where(e => !e.Cache.IsGone(e.Chunk)).ToList();
                _order.Clear();
                live.ForEach(_order.Enqueue);
            }
        }

        // Outside the budget's lock: each cache takes its own.
        foreach (var entry in evict ?? [])
        {
            entry.Cache.EvictThrough(entry.Chunk);
        }
    }

    /// <summary>A cache let go of chunks (their last batches were evicted, or it was cleared): they no longer count.</summary>
    public void Released(long bytes) => Interlocked.Add(ref _bytes, -bytes);

    private readonly record struct Entry(TailCache Cache, TailCache.Chunk Chunk, int Bytes);
}

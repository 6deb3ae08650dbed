namespace Cloud.Log.Core.Log;

/// <summary>
/// The bound on what all partitions' tail caches of one engine hold together (Kafka leaves this to the page
/// cache; an instance of ours has a memory limit instead). Batches are remembered in the order they were
/// cached; while the caches hold more than the budget, the oldest go first, whichever partition they belong
/// to — so an idle partition's cache drains away and a hot one keeps its tail. Thread-safe.
/// </summary>
internal sealed class TailCacheBudget(long capacityBytes)
{
    /// <summary>Entries in the order list past which stale ones are swept out (batches their cache dropped itself).</summary>
    private const int SweepThreshold = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<Entry> _order = new();
    private long _bytes;

    /// <summary>Bytes the caches hold together now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>A cache took a batch: count it, and evict the oldest batches anywhere while over the budget.</summary>
    public void Added(TailCache cache, long generation, StoredBatch batch)
    {
        List<Entry>? evict = null;
        lock (_gate)
        {
            _order.Enqueue(new Entry(cache, generation, batch.NextOffset, batch.Bytes.Length));
            var over = Interlocked.Add(ref _bytes, batch.Bytes.Length) - capacityBytes;
            while (over > 0 && _order.TryDequeue(out var oldest))
            {
                if (!oldest.Cache.IsGone(oldest.Generation, oldest.NextOffset))
                {
                    (evict ??= []).Add(oldest);
                    over -= oldest.Bytes;
                }
            }

            if (_order.Count > SweepThreshold)
            {
                var live = _order.Where(e => !e.Cache.IsGone(e.Generation, e.NextOffset)).ToList();
                _order.Clear();
                live.ForEach(_order.Enqueue);
            }
        }

        // Outside the budget's lock: each cache takes its own.
        foreach (var entry in evict ?? [])
        {
            entry.Cache.EvictThrough(entry.Generation, entry.NextOffset);
        }
    }

    /// <summary>A cache dropped batches (evicted, cleared): they no longer count.</summary>
    public void Released(long bytes) => Interlocked.Add(ref _bytes, -bytes);

    private readonly record struct Entry(TailCache Cache, long Generation, long NextOffset, int Bytes);
}

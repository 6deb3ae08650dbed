namespace Cloud.Log.Core.Log;

/// <summary>
/// A partition's newest batches in memory, contiguous by offset and bounded in bytes — its own bound, and the
/// engine-wide <see cref="TailCacheBudget"/> it shares with every other partition — so consumers at the tail
/// are served without a storage read (what the page cache does for Kafka). Thread-safe.
/// </summary>
internal sealed class TailCache(long capacityBytes, TailCacheBudget? budget = null)
{
    private readonly LinkedList<StoredBatch> _batches = new();
    private readonly Lock _gate = new();
    private long _bytes;

    /// <summary>Bumped by each clear or new run, so the budget's old entries no longer name batches held now.</summary>
    private long _generation;

    /// <summary>Adds batches that continue the cached run; a batch that does not starts a new run.</summary>
    public void Add(IEnumerable<StoredBatch> batches)
    {
        if (capacityBytes == 0)
        {
            return;
        }

        List<StoredBatch>? added = null;
        long released = 0;
        long generation;
        lock (_gate)
        {
            foreach (var batch in batches)
            {
                if (_batches.Last is { } last && batch.BaseOffset != last.Value.NextOffset)
                {
                    if (batch.BaseOffset < last.Value.NextOffset && HoldsSame(batch))
                    {
                        continue; // already cached
                    }

                    // A gap, or other bytes where a cached batch lies (another segment's, or another epoch's):
                    // nothing cached may stand in for a batch it is not, so the run starts again here.
                    released += _bytes;
                    _batches.Clear();
                    _bytes = 0;
                    _generation++;
                }

                _batches.AddLast(batch);
                _bytes += batch.Bytes.Length;
                (added ??= []).Add(batch);
                while (_bytes > capacityBytes && _batches.First is { } first)
                {
                    _bytes -= first.Value.Bytes.Length;
                    released += first.Value.Bytes.Length;
                    _batches.RemoveFirst();
                }
            }

            generation = _generation;
        }

        if (budget is not null)
        {
            budget.Released(released);
            foreach (var batch in added ?? [])
            {
                budget.Added(this, generation, batch);
            }
        }
    }

    /// <summary>Whether the cache holds this very batch: same offset, epoch, length and CRC (caller holds the lock).</summary>
    private bool HoldsSame(StoredBatch batch)
    {
        // From the newest back: overlaps are re-reads of the newest batches.
        for (var node = _batches.Last; node is not null && node.Value.BaseOffset >= batch.BaseOffset; node = node.Previous)
        {
            if (node.Value.BaseOffset == batch.BaseOffset)
            {
                var (a, b) = (node.Value.Header, batch.Header);
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
            if (_batches.First is not { } first || offset < first.Value.BaseOffset || offset >= _batches.Last!.Value.NextOffset)
            {
                return null;
            }

            return _batches.SkipWhile(b => b.NextOffset <= offset).ToList();
        }
    }

    public void Clear()
    {
        long released;
        lock (_gate)
        {
            released = _bytes;
            _batches.Clear();
            _bytes = 0;
            _generation++;
        }

        budget?.Released(released);
    }

    /// <summary>Whether the batch ending at <paramref name="nextOffset"/> of run <paramref name="generation"/> is no longer held.</summary>
    public bool IsGone(long generation, long nextOffset)
    {
        lock (_gate)
        {
            return generation != _generation || _batches.First is not { } first || first.Value.NextOffset > nextOffset;
        }
    }

    /// <summary>Drops the batches up to the one ending at <paramref name="nextOffset"/>, when the run is still <paramref name="generation"/>.</summary>
    public void EvictThrough(long generation, long nextOffset)
    {
        long released = 0;
        lock (_gate)
        {
            if (generation != _generation)
            {
                return;
            }

            while (_batches.First is { } first && first.Value.NextOffset <= nextOffset)
            {
                released += first.Value.Bytes.Length;
                _bytes -= first.Value.Bytes.Length;
                _batches.RemoveFirst();
            }
        }

        budget?.Released(released);
    }
}

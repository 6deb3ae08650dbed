namespace Cloud.Log.Core.Log;

/// <summary>
/// A partition's newest batches in memory, contiguous by offset and bounded in bytes, so consumers at the
/// tail are served without a storage read (what the page cache does for Kafka). Thread-safe.
/// </summary>
internal sealed class TailCache(long capacityBytes)
{
    private readonly LinkedList<StoredBatch> _batches = new();
    private readonly Lock _gate = new();
    private long _bytes;

    /// <summary>Adds batches that continue the cached run; a batch that does not starts a new run.</summary>
    public void Add(IEnumerable<StoredBatch> batches)
    {
        if (capacityBytes == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var batch in batches)
            {
                if (_batches.Last is { } last && batch.BaseOffset != last.Value.NextOffset)
                {
                    if (batch.BaseOffset < last.Value.NextOffset)
                    {
                        continue; // already cached
                    }

                    _batches.Clear();
                    _bytes = 0;
                }

                _batches.AddLast(batch);
                _bytes += batch.Bytes.Length;
                while (_bytes > capacityBytes && _batches.First is { } first)
                {
                    _bytes -= first.Value.Bytes.Length;
                    _batches.RemoveFirst();
                }
            }
        }
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
        lock (_gate)
        {
            _batches.Clear();
            _bytes = 0;
        }
    }
}

using Cloud.Log.Core.Storage;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Range reads started ahead of sequential readers, for all partitions of one engine. When a consumer's fetch
/// continues where its previous one stopped, the next range of the segment is read while the current answer
/// travels to the consumer, so the two overlap instead of running in series (what the page cache's read-ahead
/// does for a Kafka broker). Bounded in bytes: a read that does not fit makes room by dropping the oldest, and
/// one nobody claims is dropped after <see cref="Lifetime"/>. Thread-safe.
/// </summary>
internal sealed class ReadAheads(long capacityBytes, TimeProvider time)
{
    /// <summary>How long a read waits to be claimed; a consumer that polls slower than this gets no read-ahead.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    /// <summary>At most this many reads at once, whatever their size (a fetch asks for 64 KiB at least).</summary>
    private const int MaxEntries = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<Key, Entry> _entries = [];
    private long _bytes;
    private long _started;
    private long _served;

    /// <summary>Bytes the reads held now ask for together.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Reads started since the engine was built.</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Reads that a fetch used since the engine was built.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>
    /// Starts <paramref name="read"/> of <paramref name="length"/> bytes at <paramref name="position"/> of a copy of
    /// a segment, unless one is held for that place already or it is larger than the whole budget. The read gets
    /// its own cancellation (it outlives the fetch that started it) and its failure is kept as a miss. True when
    /// this call started it.
    /// </summary>
    public bool Start(int location, string blob, long position, long length, Func<CancellationToken, Task<BlobRead>> read)
    {
        if (length > capacityBytes)
        {
            return false;
        }

        var key = new Key(location, blob, position);
        var result = new TaskCompletionSource<BlobRead?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_entries.ContainsKey(key))
            {
                return false;
            }

            MakeRoom(length);
            _entries[key] = new Entry(result.Task, length, time.GetUtcNow());
            _bytes += length;
        }

        Interlocked.Increment(ref _started);
        _ = RunAsync(read, result); // outside the lock: sending the request runs in part synchronously
        return true;
    }

    /// <summary>Claims the read started for this place, if there is one; the caller awaits it (null: it failed).</summary>
    public Task<BlobRead?>? Take(int location, string blob, long position)
    {
        lock (_gate)
        {
            if (!_entries.Remove(new Key(location, blob, position), out var entry))
            {
                return null;
            }

            _bytes -= entry.Length;
            return time.GetUtcNow() - entry.StartedAt <= Lifetime ? entry.Read : null;
        }
    }

    /// <summary>Counts a claimed read the fetch could use.</summary>
    public void CountServed() => Interlocked.Increment(ref _served);

    /// <summary>Drops stale reads, then the oldest, until <paramref name="length"/> more bytes fit. Under the lock.</summary>
    private void MakeRoom(long length)
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries.Where(e => now - e.Value.StartedAt > Lifetime).ToList())
        {
            _entries.Remove(key);
            _bytes -= entry.Length;
        }

        while (_entries.Count > 0 && (_bytes + length > capacityBytes || _entries.Count >= MaxEntries))
        {
            var (key, entry) = _entries.MinBy(e => e.Value.StartedAt);
            _entries.Remove(key);
            _bytes -= entry.Length;
        }
    }

    private async Task RunAsync(Func<CancellationToken, Task<BlobRead>> read, TaskCompletionSource<BlobRead?> result)
    {
        using var timeout = new CancellationTokenSource(Lifetime, time);
        try
        {
            result.SetResult(await read(timeout.Token).ConfigureAwait(false));
        }
        catch (Exception)
        {
            result.SetResult(null); // a miss: the fetch that wanted it reads again, and meets the failure itself if it lasts
        }
    }

    private readonly record struct Key(int Location, string Blob, long Position);

    private sealed record Entry(Task<BlobRead?> Read, long Length, DateTimeOffset StartedAt);
}

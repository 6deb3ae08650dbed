using Cloud.Log.Core;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>
/// What one connection's Fetch requests carry from one to the next: the reads of partitions that a Fetch
/// answered without, because they were still in flight when the others had records, and the high watermark and
/// log start each partition last answered. A consumer keeps one Fetch in flight per connection, so a Fetch that
/// waited for its slowest partition left storage idle for the others; instead it answers the ready ones and the
/// next Fetch of the same partition, offset and byte limit takes the read where it is. A read no Fetch takes
/// (the consumer moved elsewhere, or the connection closed) is dropped and its buffers given back.
/// </summary>
public sealed class ConnectionFetches : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Topic, int Partition), Pending> _pending = [];
    private readonly Dictionary<(string Topic, int Partition), (long HighWatermark, long LogStartOffset)> _answered = [];
    private bool _disposed;

    /// <summary>The read kept for exactly this fetch, taken out; null when there is none. Another kept read of the partition is dropped.</summary>
    internal Task<FetchedBatches>? Take(string topic, int partition, long offset, int maxBytes)
    {
        Pending? pending;
        lock (_lock)
        {
            if (!_pending.Remove((topic, partition), out pending))
            {
                return null;
            }
        }

        if (pending.Offset == offset && pending.MaxBytes == maxBytes)
        {
            return pending.Read;
        }

        Drop(pending.Read);
        return null;
    }

    /// <summary>Keeps a read still in flight for the connection's next Fetch of this partition at this offset and byte limit.</summary>
    internal void Keep(string topic, int partition, long offset, int maxBytes, Task<FetchedBatches> read)
    {
        Pending? replaced;
        lock (_lock)
        {
            if (_disposed)
            {
                replaced = new Pending(offset, maxBytes, read);
            }
            else
            {
                _pending.Remove((topic, partition), out replaced);
                _pending[(topic, partition)] = new Pending(offset, maxBytes, read);
            }
        }

        if (replaced is not null)
        {
            Drop(replaced.Read);
        }
    }

    /// <summary>Notes the high watermark and log start a partition's answer told the client.</summary>
    internal void Answered(string topic, int partition, long highWatermark, long logStartOffset)
    {
        lock (_lock)
        {
            _answered[(topic, partition)] = (highWatermark, logStartOffset);
        }
    }

    /// <summary>The high watermark and log start this connection last answered for a partition, if any.</summary>
    internal (long HighWatermark, long LogStartOffset)? LastAnswered(string topic, int partition)
    {
        lock (_lock)
        {
            return _answered.TryGetValue((topic, partition), out var answered) ? answered : null;
        }
    }

    /// <summary>Reads kept now.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        List<Pending> dropped;
        lock (_lock)
        {
            _disposed = true;
            dropped = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var pending in dropped)
        {
            Drop(pending.Read);
        }
    }

    private static void Drop(Task<FetchedBatches> read) =>
        _ = read.ContinueWith(static t => { if (t.IsCompletedSuccessfully) { t.Result.ReturnBuffers(); } else { _ = t.Exception; } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private sealed record Pending(long Offset, int MaxBytes, Task<FetchedBatches> Read);
}

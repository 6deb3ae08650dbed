namespace Cloud.Log.Core.Log;

/// <summary>
/// What this instance knows of a partition's tail, published by its writer (and by tail probes) and read by
/// fetches: the newest committed batches (<see cref="Cache"/>), the highest high watermark seen, and a signal
/// that wakes long-polling fetches when records were appended here. Thread-safe.
/// </summary>
internal sealed class PartitionTail(TailCache cache)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _appended = NewSignal();
    private long _knownHighWatermark;
    private volatile TailProbe? _committedEnd;

    /// <summary>The newest committed batches: only bytes every in-sync copy holds are ever added.</summary>
    public TailCache Cache { get; } = cache;

    /// <summary>
    /// The highest high watermark this instance has seen (its own appends, or a probe of the leader's copy):
    /// everything below it is committed and never changes, so a fetch below it needs no look at the tail.
    /// </summary>
    public long KnownHighWatermark => Interlocked.Read(ref _knownHighWatermark);

    /// <summary>
    /// Where this instance's writer last knew the leader copy to end (segment, byte, offset): a probe of the tail
    /// can start there instead of at the copy's last index entry.
    /// </summary>
    public TailProbe? CommittedEnd => _committedEnd;

    /// <summary>Completes when records are next appended on this instance.</summary>
    public Task AppendedSignal
    {
        get
        {
            lock (_gate)
            {
                return _appended.Task;
            }
        }
    }

    /// <summary>Raises the known high watermark (it never goes down).</summary>
    public void Raise(long highWatermark)
    {
        var known = Interlocked.Read(ref _knownHighWatermark);
        while (highWatermark > known)
        {
            var seen = Interlocked.CompareExchange(ref _knownHighWatermark, highWatermark, known);
            if (seen == known)
            {
                return;
            }

            known = seen;
        }
    }

    /// <summary>
    /// The writer stored these batches on every in-sync copy, up to <paramref name="nextOffset"/> (and, when
    /// given, up to byte <see cref="TailProbe.Position"/> of the active segment's leader copy).
    /// </summary>
    public void Published(IReadOnlyList<StoredBatch> batches, long nextOffset, TailProbe? end = null)
    {
        if (end is not null)
        {
            _committedEnd = end;
        }

        if (batches.Count > 0)
        {
            Cache.Add(batches);
        }

        Raise(nextOffset);
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _appended;
            _appended = NewSignal();
        }

        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

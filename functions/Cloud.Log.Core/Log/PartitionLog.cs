using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Lifecycle;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>
/// One partition of one topic, as seen by one engine instance: the seams a produce and a fetch go through.
/// <list type="bullet">
/// <item><see cref="PartitionWriter"/> appends (any instance, any time, next to every other instance's writer).</item>
/// <item><see cref="PartitionReader"/> serves fetches from <see cref="PartitionTail"/> or the leader copy.</item>
/// <item><see cref="SegmentRoller"/>, <see cref="PartitionCatchUp"/> and <see cref="PartitionLifecycle"/>
/// change segments off the hot path; <see cref="SegmentCopies"/> is how all of them touch a copy.</item>
/// </list>
/// This type owns what they share: the segment list and the replica view, both as last read from Table storage.
/// </summary>
internal sealed partial class PartitionLog : IAsyncDisposable
{
    private readonly LogContext _context;
    private readonly PartitionTail _tail;
    private readonly SegmentCopies _copies;
    private readonly SegmentRoller _roller;
    private readonly PartitionWriter _writer;
    private readonly PartitionCatchUp _catchUp;
    private readonly PartitionReader _reader;
    private readonly PartitionLifecycle _lifecycle;
    private readonly Lock _gate = new();
    private volatile SegmentList? _segments;
    private volatile ReplicaView? _replicaView;
    private string? _heldSegment;
    private long _acknowledgementsHeldUntil;

    public PartitionLog(LogContext context, string topicId, int partition)
    {
        _context = context;
        TopicId = topicId;
        Partition = partition;
        _tail = new PartitionTail(new TailCache(context.Options.TailCacheBytesPerPartition, context.CacheBudget));
        _copies = new SegmentCopies(context, topicId, partition);
        _roller = new SegmentRoller(context, this, _copies);
        _writer = new PartitionWriter(context, this, _copies, _roller);
        _catchUp = new PartitionCatchUp(context, this, _copies, _roller);
        _reader = new PartitionReader(context, this, _copies, _tail);
        _lifecycle = new PartitionLifecycle(context, this, _copies, _roller);
    }

    public string TopicId { get; }

    public int Partition { get; }

    /// <summary>The segment list as last read from Table storage (null before the first read).</summary>
    public IReadOnlyList<SegmentInfo>? KnownSegments => _segments?.Segments;

    /// <summary>How many replicas the state row last read here counts in sync.</summary>
    public int InSyncCount => _replicaView?.Isr.Count ?? 1;

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        _reader.Dispose();
    }

    /// <inheritdoc cref="PartitionWriter.AppendAsync"/>
    public Task<AppendResult> AppendAsync(byte[] batch, TopicConfig config, Acks acks, CancellationToken cancellationToken) =>
        _writer.AppendAsync(batch, config, acks, cancellationToken);

    /// <inheritdoc cref="PartitionReader.FetchAsync"/>
    public Task<FetchResult> FetchAsync(long? offset, int maxRecords, int maxBytes, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _reader.FetchAsync(offset, maxRecords, maxBytes, maxWait, cancellationToken);

    /// <inheritdoc cref="PartitionReader.FetchBatchesAsync"/>
    public Task<FetchedBatches> FetchBatchesAsync(long? offset, int maxRecords, int maxBytes, TimeSpan maxWait, CancellationToken cancellationToken) =>
        _reader.FetchBatchesAsync(offset, maxRecords, maxBytes, maxWait, cancellationToken);

    /// <inheritdoc cref="PartitionReader.GetHighWatermarkAsync"/>
    public Task<long> GetHighWatermarkAsync(CancellationToken cancellationToken) => _reader.GetHighWatermarkAsync(cancellationToken);

    /// <inheritdoc cref="PartitionReader.GetLogStartOffsetAsync"/>
    public Task<long> GetLogStartOffsetAsync(CancellationToken cancellationToken, bool refresh = false) => _reader.GetLogStartOffsetAsync(cancellationToken, refresh);

    /// <inheritdoc cref="PartitionReader.FindOffsetForTimestampAsync"/>
    public Task<OffsetLookup> FindOffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken) => _reader.FindOffsetForTimestampAsync(timestamp, cancellationToken);

    /// <summary>Brings every replica that is out of the ISR back into it; answers the locations that rejoined.</summary>
    public Task<IReadOnlyList<int>> CatchUpAsync(CancellationToken cancellationToken) => _catchUp.RunAsync(cancellationToken);

    /// <summary>
    /// The writer stored <paramref name="batches"/> (and everything before <paramref name="nextOffset"/>) on every
    /// in-sync copy; <paramref name="end"/> says where that leaves the active segment's leader copy, when known.
    /// </summary>
    public void Committed(IReadOnlyList<StoredBatch> batches, long nextOffset, TailProbe? end = null) => _tail.Published(batches, nextOffset, end);

    /// <inheritdoc cref="PartitionLifecycle.EnforceRetentionAsync"/>
    public Task<SegmentCleanup> EnforceRetentionAsync(string topic, TopicConfig config, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments, CancellationToken cancellationToken) =>
        _lifecycle.EnforceRetentionAsync(topic, config, state, segments, cancellationToken);

    /// <inheritdoc cref="PartitionLifecycle.CompactAsync"/>
    public Task<SegmentCleanup> CompactAsync(string topic, TopicConfig config, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments, CancellationToken cancellationToken) =>
        _lifecycle.CompactAsync(topic, config, state, segments, cancellationToken);

    /// <summary>
    /// The lifecycle deleted or rewrote segments: the segment list is read again, and after a rewrite the tail
    /// cache (which holds the batches as they were) is emptied.
    /// </summary>
    public void SegmentsChanged(bool rewritten)
    {
        if (rewritten)
        {
            _tail.Cache.Clear();
        }

        _segments = null;
    }

    /// <summary>A writer or roller wrote the state row: readers take its replica set at once.</summary>
    public void StateChanged(PartitionStateEntity state) => _replicaView = ToView(state, _replicaView?.ReadStartedAt ?? 0); // no longer a lease than the view it replaces

    /// <summary>The partition's state row, read now (with its ETag), which also refreshes the replica view.</summary>
    public async Task<PartitionStateEntity> ReadStateAsync(CancellationToken cancellationToken) =>
        (await ReadStateAndViewAsync(cancellationToken).ConfigureAwait(false)).State;

    /// <summary>
    /// Reads the state row now and answers the replica view made of that read itself (which also becomes the
    /// partition's), never one another call put in its place meanwhile: a renewal compares this read's ETag.
    /// </summary>
    private async Task<ReplicaView> LoadReplicaViewAsync(CancellationToken cancellationToken) =>
        (await ReadStateAndViewAsync(cancellationToken).ConfigureAwait(false)).View;

    /// <summary>One read of the state row: the row, and the replica view made of it (stored as the partition's).</summary>
    private async Task<(PartitionStateEntity State, ReplicaView View)> ReadStateAndViewAsync(CancellationToken cancellationToken)
    {
        await (_context.Options.BeforeStateRead?.Invoke(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
        var startedAt = Stopwatch.GetTimestamp();
        var state = await _context.States.GetStateAsync(TopicId, Partition, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudLogException(Protocol.Errors.ErrorCode.UnknownTopicOrPartition, $"Partition {Partition} no longer exists.");
        var view = ToView(state, startedAt);
        _replicaView = view;
        return (state, view);
    }

    /// <summary>
    /// The state row and the segment list as of one moment, for a decision that the state row's ETag then guards
    /// (starting or rolling a segment). Both are read at once; the list must not be older than the row, or a writer
    /// would start a segment beside one it did not see: every segment is started together with the state row's
    /// epoch, so the newest segment's epoch is the row's. When they disagree, the row is read again and then the
    /// list, one after the other (a list read after the row holds every segment the row's ETag covers).
    /// </summary>
    public async Task<(PartitionStateEntity State, IReadOnlyList<SegmentInfo> Segments)> ReadStateAndSegmentsAsync(CancellationToken cancellationToken)
    {
        var stateRead = ReadStateAsync(cancellationToken);
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        var state = await stateRead.ConfigureAwait(false);
        if ((segments.Count == 0 ? 0 : segments[^1].Epoch) == state.Epoch)
        {
            return (state, segments);
        }

        state = await ReadStateAsync(cancellationToken).ConfigureAwait(false);
        return (state, await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The partition's segments in offset order (then by creating epoch), from Table storage (one query).</summary>
    public async Task<IReadOnlyList<SegmentInfo>> LoadSegmentsAsync(CancellationToken cancellationToken) =>
        (await QuerySegmentsAsync(null, cancellationToken).ConfigureAwait(false)).Segments;

    /// <summary>
    /// The replica view and the segment list for a look at the tail: as known when both were read within
    /// <see cref="CloudLogEngineOptions.ReaderViewLease"/>, else read again. When the list was read after a read of
    /// the state row that found the ETag the row still has, the row alone is read: the list still holds, because every
    /// change of the rows a renewal reads again (its last known segment on: a roll closing the active segment and
    /// starting the next) commits in one transaction with the state row, which changes its ETag, and ETags are never
    /// reused. The renewal compares the ETag of its own read, not of a view another call stored meanwhile. (Rows of
    /// closed segments are not read again by a renewal either way: retention deletes them below a log start the state
    /// row moved first, and compaction's rewrite keeps the old blob for a grace period.)
    /// Otherwise both are read (at once, or the list after the row, so the next renewal may read the row alone), the
    /// list from its last known segment on, so a long list costs no more than a short one.
    /// </summary>
    public async Task<(ReplicaView View, IReadOnlyList<SegmentInfo> Segments)> GetReadViewAsync(CancellationToken cancellationToken)
    {
        var view = _replicaView;
        var segments = _segments;
        var lease = _context.Options.ReaderViewLease;
        if (view is not null && segments is not null && Stopwatch.GetElapsedTime(Math.Min(view.ReadStartedAt, segments.ReadStartedAt)) < lease)
        {
            return (view, segments.Segments);
        }

        var known = segments is { Segments.Count: > 0 } ? segments : null;
        if (known?.StateBefore is { } before)
        {
            var renewed = await LoadReplicaViewAsync(cancellationToken).ConfigureAwait(false);
            if (renewed.StateETag == before)
            {
                return (renewed, Renew(known, renewed.ReadStartedAt).Segments);
            }

            return (renewed, (await QuerySegmentsAsync(known, cancellationToken).ConfigureAwait(false)).Segments);
        }

        var viewRead = LoadReplicaViewAsync(cancellationToken);
        var listed = await QuerySegmentsAsync(known, cancellationToken).ConfigureAwait(false);
        return (await viewRead.ConfigureAwait(false), listed.Segments);
    }

    /// <summary>
    /// The list <paramref name="known"/>, trusted as if read when the read of the state row that found it whole
    /// started (<paramref name="stateReadStartedAt"/>); kept as the partition's list unless another replaced it
    /// meanwhile (a newer read, or the lifecycle's <see cref="SegmentsChanged"/>).
    /// </summary>
    private SegmentList Renew(SegmentList known, long stateReadStartedAt)
    {
        var renewed = known with { ReadStartedAt = stateReadStartedAt };
        lock (_gate)
        {
            if (ReferenceEquals(_segments, known))
            {
                _segments = renewed;
            }
        }

        return renewed;
    }

    /// <summary>
    /// Waits while a segment this instance met lately was started by a roll that left a copy of the segment
    /// before it unsealed (<see cref="SegmentInfo.PreviousCopiesOpen"/>): until <see cref="CloudLogEngineOptions.ReaderViewLease"/>
    /// (and a margin for clock rates) has passed since this instance first read its row, every reader anywhere
    /// that names the unsealed copy has read its view before the roll and will read it again before its next
    /// look at the tail. Writers call it before they acknowledge anything. Real time, not the engine's clock.
    /// </summary>
    public Task HoldAcknowledgementsAsync()
    {
        long until;
        lock (_gate)
        {
            until = _acknowledgementsHeldUntil;
        }

        var left = until - Stopwatch.GetTimestamp();
        return left <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
    }

    /// <summary>
    /// Reads the segment rows (all of them, or from <paramref name="known"/>'s last one on, merged into it) and
    /// keeps the result unless a read that started later was kept first.
    /// </summary>
    private async Task<SegmentList> QuerySegmentsAsync(SegmentList? known, CancellationToken cancellationToken)
    {
        var stateBefore = _replicaView?.StateETag; // set only once its read (or write) has answered
        var startedAt = Stopwatch.GetTimestamp();
        var (from, to) = SegmentEntity.RowKeyRange(Partition);
        var filter = known is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {TopicId} and RowKey gt {from} and RowKey lt {to}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {TopicId} and RowKey ge {known.Segments[^1].RowKey} and RowKey lt {to}");
        var segments = new List<SegmentInfo>();
        await foreach (var row in _context.Tables.Partitions.QueryAsync<SegmentEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            segments.Add(SegmentInfo.From(row));
        }

        segments.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        if (known is not null)
        {
            segments.InsertRange(0, known.Segments.Take(known.Segments.Count - 1));
        }

        var list = new SegmentList(segments, startedAt, stateBefore);
        lock (_gate)
        {
            if (_segments is null || _segments.ReadStartedAt <= startedAt)
            {
                _segments = list;
            }

            if (segments.Count > 0 && segments[^1] is { PreviousCopiesOpen: true } last && last.RowKey != _heldSegment)
            {
                // First sight of it here; the row was written before this read answered.
                _heldSegment = last.RowKey;
                var margin = (_context.Options.ReaderViewLease / 10) + TimeSpan.FromMilliseconds(50);
                _acknowledgementsHeldUntil = Stopwatch.GetTimestamp() + (long)((_context.Options.ReaderViewLease + margin).TotalSeconds * Stopwatch.Frequency);
            }
        }

        return list;
    }

    /// <summary>
    /// The log's bytes (closed segments at their committed size, the active one at the length of its copy at
    /// <paramref name="leader"/>, which is the high watermark's position) and its segment count.
    /// </summary>
    public async Task<(long SizeBytes, int SegmentCount)> MeasureAsync(int leader, CancellationToken cancellationToken)
    {
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        var size = segments.Where(s => s.IsClosed).Sum(s => s.SizeBytes ?? 0);
        if (segments.Count > 0 && !segments[^1].IsClosed && await _copies.MeasureAsync(leader, segments[^1].BlobName).ConfigureAwait(false) is { } active)
        {
            size += active.Length;
        }

        return (size, segments.Count);
    }

    /// <inheritdoc cref="PartitionReader.ScanProducersAsync"/>
    public Task ScanProducersAsync(ProducerStateMap producers, long from, long to, long now, CancellationToken cancellationToken) =>
        _reader.ScanProducersAsync(producers, from, to, now, cancellationToken);

    /// <summary>
    /// Fences every writer of this partition: seals the active segment's copy at every replica location, so
    /// any later append fails (used when the topic is deleted).
    /// </summary>
    public async Task SealActiveSegmentAsync(CancellationToken cancellationToken)
    {
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        if (segments.Count == 0 || segments[^1].IsClosed)
        {
            return;
        }

        var view = await LoadReplicaViewAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(view.Replicas.Select(async location =>
        {
            try
            {
                await SegmentBlobs.SealAsync(Location(location).Data(segments[^1].BlobName), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        })).ConfigureAwait(false);
    }

    private SegmentBlobs Location(int location) => _context.Locations[location];

    private ReplicaView ToView(PartitionStateEntity state, long readStartedAt) =>
        new(state.Leader, state.IsrList, state.ReplicaList, state.LogStartOffset, _context.Time.GetUtcNow(), readStartedAt, state.ETag);

    /// <summary>The replica view, read again when <paramref name="refresh"/> or older than the metadata cache's lifetime.</summary>
    public async Task<ReplicaView> GetReplicaViewAsync(CancellationToken cancellationToken, bool refresh = false)
    {
        var view = _replicaView;
        if (!refresh && view is not null && _context.Time.GetUtcNow() - view.LoadedAt < _context.Options.MetadataCacheTtl)
        {
            return view;
        }

        return await LoadReplicaViewAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes a stored batch's records (used by compaction).</summary>
    private static IReadOnlyList<ConsumerRecord> Decode(StoredBatch batch) => BatchScanner.Decode(batch);
}

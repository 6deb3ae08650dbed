using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;

namespace Cloud.Log.Core.Log;

/// <summary>
/// One partition of one topic, as seen by one engine instance. Appends go through a single writer loop
/// that group-commits concurrent produce calls into one block, holds the partition's lease while it
/// writes, and appends each block to the in-sync followers and then to the leader replica
/// (PartitionLog.Writer.cs, .Leadership.cs, .Segments.cs, .Replicas.cs). Reads are served from the tail
/// cache, from the local writer's knowledge while its lease holds, or from the leader replica's copy with
/// a bounded number of reads (PartitionLog.Reader.cs). Because the leader's copy is written last, it never
/// holds anything the other in-sync copies lack: its length is the high watermark.
/// </summary>
internal sealed partial class PartitionLog : IAsyncDisposable
{
    private readonly LogContext _context;
    private readonly TailCache _cache;
    private readonly Channel<WriterOperation> _queue = Channel.CreateUnbounded<WriterOperation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private Task? _writer;
    private volatile IReadOnlyList<SegmentInfo>? _segments;
    private volatile LeaderView? _leaderView;
    private volatile ReplicaView? _replicaView;
    private TaskCompletionSource _appended = NewSignal();

    public PartitionLog(LogContext context, string topicId, int partition)
    {
        _context = context;
        TopicId = topicId;
        Partition = partition;
        _cache = new TailCache(context.Options.TailCacheBytesPerPartition, context.CacheBudget);
    }

    public string TopicId { get; }

    public int Partition { get; }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SegmentBlobs Location(int location) => _context.Locations[location];

    /// <summary>Wakes long-polling fetches: records were appended.</summary>
    private void SignalAppended()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _appended;
            _appended = NewSignal();
        }

        previous.TrySetResult();
    }

    private Task AppendedSignal
    {
        get
        {
            lock (_gate)
            {
                return _appended.Task;
            }
        }
    }

    /// <summary>The partition's segments in offset order (then by creating epoch), from Table storage (one query).</summary>
    private async Task<IReadOnlyList<SegmentInfo>> LoadSegmentsAsync(CancellationToken cancellationToken)
    {
        var (from, to) = SegmentEntity.RowKeyRange(Partition);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TopicId} and RowKey gt {from} and RowKey lt {to}");
        var segments = new List<SegmentInfo>();
        await foreach (var row in _context.Tables.Partitions.QueryAsync<SegmentEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            segments.Add(SegmentInfo.From(row));
        }

        segments.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        _segments = segments;
        return segments;
    }

    /// <summary>The replica set and log start from the partition's state row.</summary>
    private async Task<ReplicaView> LoadReplicaViewAsync(CancellationToken cancellationToken)
    {
        var state = await _context.Leases.GetStateAsync(TopicId, Partition, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudLogException(Protocol.Errors.ErrorCode.UnknownTopicOrPartition, $"Partition {Partition} no longer exists.");
        var view = ToView(state);
        _replicaView = view;
        return view;
    }

    private ReplicaView ToView(PartitionStateEntity state) =>
        new(state.Leader, state.IsrList, state.ReplicaList, state.LogStartOffset, _context.Time.GetUtcNow());

    private async Task<ReplicaView> GetReplicaViewAsync(CancellationToken cancellationToken, bool refresh = false)
    {
        var view = _replicaView;
        if (!refresh && view is not null && _context.Time.GetUtcNow() - view.LoadedAt < _context.Options.MetadataCacheTtl)
        {
            return view;
        }

        return await LoadReplicaViewAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a segment's offset index at one location; a missing index blob is an empty index.</summary>
    private async Task<OffsetIndex> ReadIndexAsync(int location, SegmentInfo segment, CancellationToken cancellationToken)
    {
        try
        {
            var read = await SegmentBlobs.ReadAsync(Location(location).Index(segment.BlobName), 0, null, cancellationToken).ConfigureAwait(false);
            return OffsetIndex.Parse(segment.BaseOffset, read.Data.Span, segment.SizeBytes);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return OffsetIndex.Parse(segment.BaseOffset, ReadOnlySpan<byte>.Empty, null);
        }
    }

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
}

using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;

namespace Cloud.Log.Core.Log;

/// <summary>
/// One partition of one topic, as seen by one engine instance. Appends go through a single writer loop
/// that group-commits concurrent produce calls into one append block and holds the partition's lease
/// while it writes (PartitionLog.Writer.cs). Reads are served from the tail cache, from the local leader's
/// knowledge while its lease holds, or from storage with a bounded number of reads (PartitionLog.Reader.cs).
/// </summary>
internal sealed partial class PartitionLog : IAsyncDisposable
{
    private readonly LogContext _context;
    private readonly SegmentBlobs _blobs;
    private readonly TailCache _cache;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private Task? _writer;
    private volatile IReadOnlyList<SegmentInfo>? _segments;
    private volatile LeaderView? _leaderView;
    private TaskCompletionSource _appended = NewSignal();

    public PartitionLog(LogContext context, string topicId, int partition, int leaderLocation)
    {
        _context = context;
        TopicId = topicId;
        Partition = partition;
        _blobs = context.Locations[leaderLocation];
        _cache = new TailCache(context.Options.TailCacheBytesPerPartition);
    }

    public string TopicId { get; }

    public int Partition { get; }

    private string SegmentsPartitionKey => SegmentEntity.PartitionKeyFor(TopicId, Partition);

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

    /// <summary>The partition's segments in offset order, from Table storage (one query).</summary>
    private async Task<IReadOnlyList<SegmentInfo>> LoadSegmentsAsync(CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {SegmentsPartitionKey}");
        var segments = new List<SegmentInfo>();
        await foreach (var row in _context.Tables.Segments.QueryAsync<SegmentEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            segments.Add(SegmentInfo.From(row));
        }

        segments.Sort((a, b) => a.BaseOffset.CompareTo(b.BaseOffset));
        _segments = segments;
        return segments;
    }

    private async Task<long> LoadLogStartOffsetAsync(CancellationToken cancellationToken)
    {
        var row = await _context.Tables.Partitions.GetEntityIfExistsAsync<PartitionEntity>(TopicId, PartitionEntity.RowKeyFor(Partition), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.LogStartOffset : 0;
    }

    /// <summary>Reads a segment's offset index; a missing index blob is an empty index.</summary>
    private async Task<OffsetIndex> ReadIndexAsync(SegmentInfo segment, CancellationToken cancellationToken)
    {
        try
        {
            var read = await SegmentBlobs.ReadAsync(_blobs.Index(segment.BlobName), 0, null, cancellationToken).ConfigureAwait(false);
            return OffsetIndex.Parse(segment.BaseOffset, read.Data.Span);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return OffsetIndex.Parse(segment.BaseOffset, ReadOnlySpan<byte>.Empty);
        }
    }

    /// <summary>
    /// Fences every writer of this partition: seals the active segment, so any later append fails (used
    /// when the topic is deleted).
    /// </summary>
    public async Task SealActiveSegmentAsync(CancellationToken cancellationToken)
    {
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        if (segments.Count > 0 && !segments[^1].IsClosed)
        {
            try
            {
                await SegmentBlobs.SealAsync(_blobs.Data(segments[^1].BlobName), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
    }
}

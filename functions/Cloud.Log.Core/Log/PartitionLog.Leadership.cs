using Azure;
using Cloud.Log.Core.Leases;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Leadership: holding the lease, taking a partition over, and changing its replica set. A holder that
/// takes over after a clean release continues the active segment; after anything else (a crash, an
/// expired lease, a failed append of its own) it seals the active segment's in-sync copies, which fences
/// every older writer, and starts a new segment where the shortest sealed copy ends: that copy holds
/// everything the leader ever served, and the longer ones' extra bytes lie past the committed end.
/// </summary>
internal sealed partial class PartitionLog
{
    private PartitionLease? _lease;

    /// <summary>
    /// Makes sure this instance holds a live lease and knows the log's tail. No append starts when less
    /// than the safety margin of the lease remains: the lease is renewed or claimed again first.
    /// </summary>
    private async Task EnsureLeadershipAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options;
        var now = _context.Time.GetUtcNow();
        (string Segment, long Position, int Epoch)? resume = null;
        if (_lease is not null && now >= _lease.ExpiresAt - options.LeaseSafetyMargin)
        {
            // Expired while we were away (paused, or slow): others may have written. If nobody claimed the
            // lease meanwhile, our own view of the tail still holds, so remember it.
            resume = _active is { } active ? (active.Segment.RowKey, active.Position, _lease.Epoch) : null;
            DropLeadership();
        }

        if (_lease is not null && (now - _lease.RenewedAt >= options.LeaseRenewInterval || _bytesSinceCheckpoint >= options.ProducerCheckpointBytes))
        {
            var flush = TakeProducerFlush();
            var renewed = await _context.Leases.RenewAsync(_lease, flush, cancellationToken).ConfigureAwait(false);
            if (renewed is null)
            {
                DropLeadership();
            }
            else
            {
                _lease = renewed;
                _bytesSinceCheckpoint = flush is null ? _bytesSinceCheckpoint : 0;
            }
        }

        if (_lease is null)
        {
            _lease = await _context.Leases.AcquireAsync(TopicId, Partition, cancellationToken).ConfigureAwait(false);
            if (resume is { } r && _lease.CleanStart is null && _lease.Epoch == r.Epoch + 1)
            {
                // Our claim moved the epoch by exactly one: nobody else held the lease since our last append.
                _lease = _lease with { CleanStart = (r.Segment, r.Position) };
            }

            _active = null;
            _context.Logger.LogInformation("Leading {TopicId}/{Partition} with epoch {Epoch}.", TopicId, Partition, _lease.Epoch);
        }

        if (_active is null)
        {
            await TakeOverAsync(cancellationToken).ConfigureAwait(false);
        }

        PublishLeaderView();
    }

    /// <summary>Finds (or starts) the active segment, fencing older writers unless the last holder let go cleanly.</summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        var clean = _lease!.CleanStart;
        _lease = _lease with { CleanStart = null }; // good for this takeover only: later recoveries follow failures
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        var last = segments.Count > 0 ? segments[^1] : null;
        if (last is null || last.IsClosed)
        {
            _active = await StartSegmentAsync(last?.EndOffset ?? _lease.State.LogStartOffset, closing: null, cancellationToken).ConfigureAwait(false);
        }
        else if (clean is { } c && c.Segment == last.RowKey)
        {
            var tail = await ReadTailAsync(_lease.State.Leader, last, null, cancellationToken).ConfigureAwait(false);
            _active = tail.Position == c.Position && !tail.Sealed
                ? tail.Active
                : await FenceAndRollAsync(last, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _active = await FenceAndRollAsync(last, cancellationToken).ConfigureAwait(false);
        }

        _producers = await LoadProducerStateAsync(_lease.ProducerCheckpoint, _active.NextOffset, cancellationToken).ConfigureAwait(false);
        _bytesSinceCheckpoint = _lease.ProducerCheckpoint == _active.NextOffset ? 0 : _context.Options.ProducerCheckpointBytes;
    }

    /// <summary>
    /// Seals every in-sync copy of <paramref name="segment"/> (so no older writer can append to it again),
    /// measures them, and closes the segment at the shortest: that copy becomes the leader, copies that do
    /// not answer leave the ISR, and a new segment starts at the committed end.
    /// </summary>
    private async Task<ActiveSegment> FenceAndRollAsync(SegmentInfo segment, CancellationToken cancellationToken)
    {
        var state = _lease!.State;
        var measured = await Task.WhenAll(state.IsrList.Select(async location =>
            (Location: location, Length: await SealAndMeasureAsync(location, segment, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        var reachable = measured.Where(m => m.Length is not null).ToList();
        if (reachable.Count == 0)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"No in-sync replica of partition {Partition} answers.") { RetryAfter = TimeSpan.FromSeconds(2) };
        }

        var committed = reachable.Min(m => m.Length!.Value);
        var leader = PreferredLeader(reachable.Where(m => m.Length == committed).Select(m => m.Location).ToList(), [state.Leader, .. state.ReplicaList]);
        var tail = await ReadTailAsync(leader, segment, committed, cancellationToken).ConfigureAwait(false);
        _context.Logger.LogWarning(
            "Fenced {TopicId}/{Partition} segment {Segment} at {Offset} (byte {Position}); leader {Leader}, in sync {Isr}.",
            TopicId, Partition, segment.BlobName, tail.Active.NextOffset, committed, leader, string.Join(',', reachable.Select(m => m.Location)));
        return await StartSegmentAsync(tail.Active.NextOffset, tail.Active, cancellationToken, leader, reachable.Select(m => m.Location).ToList()).ConfigureAwait(false);
    }

    /// <summary>Seals one copy and answers its length, or null when the location does not answer (or lost the copy).</summary>
    private async Task<long?> SealAndMeasureAsync(int location, SegmentInfo segment, CancellationToken cancellationToken)
    {
        var blob = Location(location).Data(segment.BlobName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_context.Options.ReplicaLagTimeMax);
        try
        {
            await SegmentBlobs.SealAsync(blob, timeout.Token).ConfigureAwait(false);
            return (await SegmentBlobs.MeasureAsync(blob, timeout.Token).ConfigureAwait(false))?.Length;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            _context.Logger.LogWarning(e, "Location {Location} did not seal {Segment}.", location, segment.BlobName);
            return null;
        }
    }

    /// <summary>
    /// Reads one copy's tail from its last index entry: to its end, or to <paramref name="end"/> (which must
    /// fall on a batch boundary). Answers the active-segment view it describes and whether the copy is sealed.
    /// </summary>
    private async Task<(ActiveSegment Active, long Position, bool Sealed)> ReadTailAsync(int location, SegmentInfo segment, long? end, CancellationToken cancellationToken)
    {
        var index = await ReadIndexAsync(location, segment, cancellationToken).ConfigureAwait(false);
        var from = end is { } limit ? index.FloorForPosition(limit) : index.Last;
        var read = await SegmentBlobs.ReadAsync(Location(location).Data(segment.BlobName), from.Position, end is { } e ? e - from.Position : null, cancellationToken).ConfigureAwait(false);
        var where = $"{segment.BlobName} at location {location}, byte {from.Position}";
        var batches = BatchScanner.Parse(read.Data, from.Offset, where, out var consumed);
        if (consumed != read.Data.Length)
        {
            throw BatchScanner.Corrupt(where, new RecordBatchFormatException($"{read.Data.Length - consumed} bytes at the tail are not a whole batch."));
        }

        var active = new ActiveSegment(segment)
        {
            Position = from.Position + consumed,
            NextOffset = batches.Count > 0 ? batches[^1].NextOffset : from.Offset,
            BlockCount = read.CommittedBlockCount,
            MaxTimestamp = batches.Aggregate(from.MaxTimestampBefore, (max, b) => Math.Max(max, b.Header.MaxTimestamp)),
            IndexEntries = index.Count,
            LastIndexedPosition = from.Position,
        };
        _cache.Add(batches);
        return (active, active.Position, read.IsSealed);
    }

    /// <summary>
    /// Changes the replica set (ISR, leader, epoch) as the lease holder, fenced by the lease; throws when the
    /// lease was lost, so the caller stops writing.
    /// </summary>
    private async Task ChangeReplicasAsync(Action<PartitionStateEntity> change, string why, CancellationToken cancellationToken)
    {
        var changed = await _context.Leases.WriteAsync(_lease!, change, null, renewing: false, cancellationToken).ConfigureAwait(false);
        if (changed is null)
        {
            DropLeadership();
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"Lost the lease of partition {Partition} while changing its replicas.") { RetryAfter = TimeSpan.FromSeconds(1) };
        }

        _lease = changed;
        _context.Logger.LogWarning("{TopicId}/{Partition}: {Why}; leader {Leader}, in sync {Isr}, epoch {Epoch}.", TopicId, Partition, why, changed.State.Leader, changed.State.Isr, changed.Epoch);
        PublishLeaderView();
    }

    private async Task ReleaseLeaseAsync()
    {
        if (_lease is null)
        {
            return;
        }

        var lease = _lease;
        var flush = TakeProducerFlush();
        var clean = _active is { } active ? (active.Segment.RowKey, active.Position) : ((string, long)?)null;
        DropLeadership();
        try
        {
            await _context.Leases.ReleaseAsync(lease, flush, clean, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            _context.Logger.LogWarning(e, "Could not release the lease of {TopicId}/{Partition}; it expires by itself.", TopicId, Partition);
        }
    }
}

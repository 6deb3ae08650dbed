using Azure;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Segments: rolling on size, age and block count, and starting a new segment. A new segment's blob is
/// created at every in-sync location first; then one transaction under the lease's ETag closes the old
/// segment's row at its committed end, adds the new row and records the replica set, so a writer that lost
/// its lease cannot register a segment.
/// </summary>
internal sealed partial class PartitionLog
{
    private bool ShouldRoll(long blockSize, TopicConfig config)
    {
        var active = _active!;
        if (active.Position == 0)
        {
            return false; // never roll an empty segment
        }

        var age = _context.Time.GetUtcNow().ToUnixTimeMilliseconds() - active.Segment.CreatedAt;
        return active.Position + blockSize > config.SegmentMaxBytes
            || active.BlockCount >= _context.Options.MaxBlocksPerSegment
            || age >= (long)config.SegmentMaxAge.TotalMilliseconds;
    }

    /// <summary>
    /// Seals the active segment at every in-sync location (fencing any other writer of it) and starts the
    /// next one. A copy that does not end where this writer's appends ended leaves the ISR; if the leader's
    /// does not, another writer appended and this one stops.
    /// </summary>
    private async Task RollAsync(CancellationToken cancellationToken)
    {
        var active = _active!;
        var state = _lease!.State;
        var measured = await Task.WhenAll(state.IsrList.Select(async location =>
            (Location: location, Length: await SealAndMeasureAsync(location, active.Segment, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        if (measured.Any(m => m.Location == state.Leader && m.Length is { } length && length != active.Position))
        {
            DropLeadership();
            throw new RequestFailedException(412, "The segment holds appends this writer did not make.", StorageErrors.AppendPositionConditionNotMet, null);
        }

        var inSync = measured.Where(m => m.Length == active.Position).Select(m => m.Location).ToList();
        if (inSync.Count == 0)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"No in-sync replica of partition {Partition} answers.") { RetryAfter = TimeSpan.FromSeconds(2) };
        }

        var leader = inSync.Contains(state.Leader) ? state.Leader : PreferredLeader(inSync, state.ReplicaList);
        _active = await StartSegmentAsync(active.NextOffset, active, cancellationToken, leader, inSync, newEpoch: false).ConfigureAwait(false);
        _context.Logger.LogInformation("Rolled {TopicId}/{Partition} to a new segment at offset {Offset}.", TopicId, Partition, _active.NextOffset);
    }

    /// <summary>
    /// Starts the segment at <paramref name="baseOffset"/> on the in-sync replicas (or <paramref name="isr"/>),
    /// closing <paramref name="closing"/> at its committed end in the same transaction. A location that cannot
    /// create the blob leaves the ISR. With <paramref name="newEpoch"/> (after fencing) the epoch moves on, so
    /// the new segment's name never meets a sealed blob of the same offset.
    /// </summary>
    private async Task<ActiveSegment> StartSegmentAsync(long baseOffset, ActiveSegment? closing, CancellationToken cancellationToken, int? leader = null, IReadOnlyList<int>? isr = null, bool newEpoch = true)
    {
        // A delete records the topic id before it seals the segments: never start a segment of a deleted topic.
        var deleted = await _context.Tables.DeletedTopics.GetEntityIfExistsAsync<DeletedTopicEntity>(DeletedTopicEntity.Partition, TopicId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (deleted.HasValue)
        {
            throw new CloudLogException(ErrorCode.UnknownTopicOrPartition, $"Topic '{deleted.Value!.Name}' was deleted.");
        }

        var state = _lease!.State;
        var epoch = newEpoch && closing is not null ? state.Epoch + 1 : state.Epoch;
        var name = SegmentBlobs.DataBlobName(TopicId, Partition, baseOffset, epoch);
        var candidates = isr ?? state.IsrList;
        var created = (await Task.WhenAll(candidates.Select(async location =>
            (Location: location, Ok: await TryCreateSegmentAsync(location, name, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
            .Where(c => c.Ok).Select(c => c.Location).ToList();
        if (created.Count == 0)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"No replica of partition {Partition} could start a segment.") { RetryAfter = TimeSpan.FromSeconds(2) };
        }

        var newLeader = created.Contains(leader ?? state.Leader) ? leader ?? state.Leader : PreferredLeader(created, state.ReplicaList);
        var row = new SegmentEntity
        {
            PartitionKey = TopicId,
            RowKey = SegmentEntity.RowKeyFor(Partition, baseOffset, epoch),
            BlobName = name,
            Replicas = PartitionStateEntity.FormatList(created),
            LeaderEpoch = epoch,
            CreatedAt = _context.Time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        var rows = new List<Azure.Data.Tables.ITableEntity> { row };
        if (closing is not null)
        {
            rows.Add(new SegmentEntity
            {
                PartitionKey = TopicId,
                RowKey = closing.Segment.RowKey,
                BlobName = closing.Segment.BlobName,
                Replicas = closing.Segment.Replicas,
                LeaderEpoch = closing.Segment.Epoch,
                CreatedAt = closing.Segment.CreatedAt,
                EndOffset = closing.NextOffset,
                SizeBytes = closing.Position,
                MaxTimestamp = closing.MaxTimestamp,
            });
        }

        var written = await _context.Leases.WriteAsync(
            _lease,
            s =>
            {
                s.Leader = newLeader;
                s.Isr = PartitionStateEntity.FormatList(created);
                s.Epoch = epoch;
            },
            rows,
            renewing: false,
            cancellationToken).ConfigureAwait(false);
        if (written is null)
        {
            DropLeadership();
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"Lost the lease of partition {Partition} while starting a segment.") { RetryAfter = TimeSpan.FromSeconds(1) };
        }

        _lease = written;
        _segments = null;
        if (!created.SequenceEqual(candidates) || newLeader != state.Leader)
        {
            _context.Logger.LogWarning("{TopicId}/{Partition}: segment {Segment} started on {Isr}; leader {Leader}.", TopicId, Partition, name, written.State.Isr, newLeader);
        }

        return new ActiveSegment(SegmentInfo.From(row));
    }

    private async Task<bool> TryCreateSegmentAsync(int location, string name, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_context.Options.ReplicaLagTimeMax);
        try
        {
            await Location(location).CreateSegmentAsync(name, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            _context.Logger.LogWarning(e, "Location {Location} could not create {Segment}.", location, name);
            return false;
        }
    }
}

using Azure;
using Cloud.Log.Core.Leases;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>The write side: group commit, leadership, recovery, segment rolls and the offset index.</summary>
internal sealed partial class PartitionLog
{
    private PartitionLease? _lease;
    private ActiveSegment? _active;
    private Task<bool>? _pendingWait;
    private long _bytesSinceCheckpoint;

    /// <summary>
    /// Queues an encoded batch for this partition and answers where it was stored. Batches queued
    /// together while an append is in flight go out together in the next block. A batch of an idempotent
    /// producer that the partition already holds is answered with the stored batch's offsets instead.
    /// </summary>
    public Task<AppendResult> AppendAsync(byte[] batch, TopicConfig config, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(batch, config);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

        lock (_gate)
        {
            _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        }

        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingAppend>();
        while (true)
        {
            if (!reader.TryPeek(out _))
            {
                var wait = _pendingWait ??= reader.WaitToReadAsync().AsTask();
                if (_lease is not null)
                {
                    // Idle: keep the lease one renew interval, then let other instances have it at once.
                    var idle = Task.Delay(_context.Options.LeaseRenewInterval, _context.Time);
                    if (await Task.WhenAny(wait, idle).ConfigureAwait(false) != wait)
                    {
                        await ReleaseLeaseAsync().ConfigureAwait(false);
                        continue;
                    }
                }

                _pendingWait = null;
                if (!await wait.ConfigureAwait(false))
                {
                    break;
                }
            }

            group.Clear();
            long size = 0;
            while (reader.TryPeek(out var next) && (group.Count == 0 || size + next.Batch.Length <= TopicConfig.MaxBlockBytes))
            {
                reader.TryRead(out next);
                group.Add(next!);
                size += next!.Batch.Length;
            }

            await AppendGroupAsync(group).ConfigureAwait(false);
            if (_lease is { HandoffTo: not null })
            {
                await ReleaseLeaseAsync().ConfigureAwait(false);
            }
        }

        await ReleaseLeaseAsync().ConfigureAwait(false);
    }

    private async Task AppendGroupAsync(List<PendingAppend> group)
    {
        var cancellationToken = CancellationToken.None;
        for (var attempt = 0; ; attempt++)
        {
            group.RemoveAll(p => p.Completion.Task.IsCompleted); // refused on an earlier attempt
            if (group.Count == 0)
            {
                return;
            }

            try
            {
                await EnsureLeadershipAsync(cancellationToken).ConfigureAwait(false);
                var blockSize = group.Sum(p => (long)p.Batch.Length);
                if (ShouldRoll(blockSize, group[^1].Config))
                {
                    await RollAsync(cancellationToken).ConfigureAwait(false);
                }

                var active = _active!;
                var (accepted, duplicates) = await PlanAsync(group, active.NextOffset, cancellationToken).ConfigureAwait(false);
                if (accepted.Count == 0)
                {
                    CompleteDuplicates(duplicates);
                    return;
                }

                var (block, batches) = BuildBlock(accepted, active.NextOffset, _lease!.Epoch);
                var position = active.Position;
                int blockCount;
                try
                {
                    blockCount = await SegmentBlobs.AppendAsync(_blobs.Data(active.Segment.BlobName), block, position, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status is 412 or 409 or >= 500 or 408)
                {
                    // An SDK retry of an append whose answer was lost meets 412: check whether the block is ours.
                    if (!await LandedAsync(active, block, position, cancellationToken).ConfigureAwait(false))
                    {
                        throw;
                    }

                    blockCount = active.BlockCount + 1;
                }

                await CommitAsync(accepted, block, batches, blockCount).ConfigureAwait(false);
                CompleteDuplicates(duplicates);
                return;
            }
            catch (RequestFailedException e) when (attempt < 2)
            {
                // Our view of the log is stale: sealed, or another writer appended, so we were not its only writer.
                _context.Logger.LogWarning(e, "Append to {TopicId}/{Partition} failed ({Status} {Code}); recovering the log's tail.", TopicId, Partition, e.Status, e.ErrorCode);
                _active = null;
                if (StorageErrors.IsAppendPositionMismatch(e))
                {
                    DropLeadership();
                }
            }
            catch (RequestFailedException e)
            {
                Fail(group, StorageErrors.ToCloudLog(e));
                DropLeadership();
                return;
            }
            catch (Exception e)
            {
                Fail(group, e);
                _active = null; // the producer state may hold this group's batches: rebuild it with the tail
                if (e is not CloudLogException)
                {
                    _context.Logger.LogError(e, "Append to {TopicId}/{Partition} failed.", TopicId, Partition);
                    DropLeadership();
                }

                return;
            }
        }
    }

    private static (byte[] Block, List<StoredBatch> Batches) BuildBlock(List<PendingAppend> group, long baseOffset, int epoch)
    {
        var block = new byte[group.Sum(p => p.Batch.Length)];
        var batches = new List<StoredBatch>(group.Count);
        var position = 0;
        foreach (var pending in group)
        {
            var target = block.AsMemory(position, pending.Batch.Length);
            pending.Batch.CopyTo(target);
            RecordBatch.StampOffsetAndEpoch(target.Span, baseOffset, epoch);
            RecordBatch.TryReadHeader(target.Span, out var header);
            batches.Add(new StoredBatch(header, target));
            baseOffset = header.NextOffset;
            position += pending.Batch.Length;
        }

        return (block, batches);
    }

    private async Task CommitAsync(List<PendingAppend> group, byte[] block, List<StoredBatch> batches, int blockCount)
    {
        var active = _active!;
        _bytesSinceCheckpoint += block.Length;
        active.Position += block.Length;
        active.NextOffset = batches[^1].NextOffset;
        active.BlockCount = blockCount;
        active.MaxTimestamp = Math.Max(active.MaxTimestamp, batches.Max(b => b.Header.MaxTimestamp));
        _cache.Add(batches);
        PublishLeaderView();
        SignalAppended();
        for (var i = 0; i < group.Count; i++)
        {
            group[i].Completion.TrySetResult(new AppendResult(batches[i].BaseOffset, batches[i].Header.MaxTimestamp, Duplicate: false));
        }

        await MaybeWriteIndexEntryAsync(active).ConfigureAwait(false);
    }

    private static void Fail(List<PendingAppend> group, Exception e)
    {
        foreach (var pending in group)
        {
            pending.Completion.TrySetException(e);
        }
    }

    private async Task<bool> LandedAsync(ActiveSegment active, byte[] block, long position, CancellationToken cancellationToken)
    {
        try
        {
            var read = await SegmentBlobs.ReadAsync(_blobs.Data(active.Segment.BlobName), position, block.Length, cancellationToken).ConfigureAwait(false);
            return read.Data.Span.SequenceEqual(block);
        }
        catch (RequestFailedException)
        {
            return false;
        }
    }

    private void DropLeadership()
    {
        _lease = null;
        _active = null;
        _leaderView = null;
        _producers = null;
    }

    private void PublishLeaderView() =>
        _leaderView = new LeaderView(_active!.NextOffset, _lease!.ExpiresAt - _context.Options.LeaseSafetyMargin);

    /// <summary>
    /// Makes sure this instance holds a live lease and knows the log's tail. No append starts when less
    /// than the safety margin of the lease remains: the lease is renewed or claimed again first.
    /// </summary>
    private async Task EnsureLeadershipAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options;
        var now = _context.Time.GetUtcNow();
        if (_lease is not null && now >= _lease.ExpiresAt - options.LeaseSafetyMargin)
        {
            DropLeadership(); // expired while we were away (paused, or slow): others may have written
        }

        if (_lease is not null && (now - _lease.RenewedAt >= options.LeaseRenewInterval || _bytesSinceCheckpoint >= options.ProducerCheckpointBytes))
        {
            var flush = TakeProducerFlush();
            var renewed = await _context.Leases.RenewAsync(TopicId, Partition, _lease, flush, cancellationToken).ConfigureAwait(false);
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
            _active = null;
            _context.Logger.LogInformation("Leading {TopicId}/{Partition} with epoch {Epoch}.", TopicId, Partition, _lease.Epoch);
        }

        if (_active is null)
        {
            _active = await RecoverAsync(cancellationToken).ConfigureAwait(false);
            _producers = await LoadProducerStateAsync(_lease.ProducerCheckpoint, _active.NextOffset, cancellationToken).ConfigureAwait(false);
            _bytesSinceCheckpoint = _lease.ProducerCheckpoint == _active.NextOffset ? 0 : options.ProducerCheckpointBytes;
        }

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
        DropLeadership();
        try
        {
            await _context.Leases.ReleaseAsync(TopicId, Partition, lease, flush, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            _context.Logger.LogWarning(e, "Could not release the lease of {TopicId}/{Partition}; it expires by itself.", TopicId, Partition);
        }
    }

    /// <summary>
    /// Finds the tail after a new lease: the last segment from Table storage, its last index entry, and
    /// one read from there to the end. Finishes a roll that a crash interrupted.
    /// </summary>
    private async Task<ActiveSegment> RecoverAsync(CancellationToken cancellationToken)
    {
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        if (segments.Count == 0)
        {
            var start = await LoadLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
            return await CreateSegmentAsync(start, cancellationToken).ConfigureAwait(false);
        }

        var last = segments[^1];
        if (last.IsClosed)
        {
            return await CreateSegmentAsync(last.EndOffset!.Value, cancellationToken).ConfigureAwait(false);
        }

        var index = await ReadIndexAsync(last, cancellationToken).ConfigureAwait(false);
        var from = index.Last;
        var read = await SegmentBlobs.ReadAsync(_blobs.Data(last.BlobName), from.Position, null, cancellationToken).ConfigureAwait(false);
        var where = $"{last.BlobName} at byte {from.Position}";
        var batches = BatchScanner.Parse(read.Data, from.Offset, where, out var consumed);
        if (consumed != read.Data.Length)
        {
            throw BatchScanner.Corrupt(where, new RecordBatchFormatException($"{read.Data.Length - consumed} bytes at the tail are not a whole batch."));
        }

        var active = new ActiveSegment(last)
        {
            Position = from.Position + consumed,
            NextOffset = batches.Count > 0 ? batches[^1].NextOffset : from.Offset,
            BlockCount = read.CommittedBlockCount,
            MaxTimestamp = batches.Aggregate(from.MaxTimestampBefore, (max, b) => Math.Max(max, b.Header.MaxTimestamp)),
            IndexEntries = index.Count,
            LastIndexedPosition = from.Position,
        };
        _cache.Add(batches);
        if (read.IsSealed)
        {
            return await CloseAndCreateNextAsync(active, cancellationToken).ConfigureAwait(false);
        }

        return active;
    }

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

    /// <summary>Seals the active segment (fencing any other writer of it) and starts the next one.</summary>
    private async Task RollAsync(CancellationToken cancellationToken)
    {
        var active = _active!;
        var blob = _blobs.Data(active.Segment.BlobName);
        await SegmentBlobs.SealAsync(blob, cancellationToken).ConfigureAwait(false);

        // Once sealed nothing can land; make sure nothing landed that we did not write before closing the row.
        var tail = await SegmentBlobs.ReadAsync(blob, active.Position, null, cancellationToken).ConfigureAwait(false);
        if (tail.BlobLength != active.Position)
        {
            DropLeadership();
            throw new RequestFailedException(412, "The segment holds appends this writer did not make.", StorageErrors.AppendPositionConditionNotMet, null);
        }

        _active = await CloseAndCreateNextAsync(active, cancellationToken).ConfigureAwait(false);
        _context.Logger.LogInformation("Rolled {TopicId}/{Partition} to a new segment at offset {Offset}.", TopicId, Partition, _active.NextOffset);
    }

    private async Task<ActiveSegment> CloseAndCreateNextAsync(ActiveSegment active, CancellationToken cancellationToken)
    {
        var closed = new SegmentEntity
        {
            PartitionKey = SegmentsPartitionKey,
            RowKey = SegmentEntity.RowKeyFor(active.Segment.BaseOffset),
            BlobName = active.Segment.BlobName,
            CreatedAt = active.Segment.CreatedAt,
            LeaderEpoch = _lease!.Epoch,
            EndOffset = active.NextOffset,
            SizeBytes = active.Position,
            MaxTimestamp = active.MaxTimestamp,
        };
        await _context.Tables.Segments.UpsertEntityAsync(closed, Azure.Data.Tables.TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        return await CreateSegmentAsync(active.NextOffset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the segment that starts at <paramref name="baseOffset"/>. Its name follows from the offset,
    /// so two writers racing to create it make the same blob and row.
    /// </summary>
    private async Task<ActiveSegment> CreateSegmentAsync(long baseOffset, CancellationToken cancellationToken)
    {
        // A delete records the topic id before it seals the segments: never start a segment of a deleted topic.
        var deleted = await _context.Tables.DeletedTopics.GetEntityIfExistsAsync<DeletedTopicEntity>(DeletedTopicEntity.Partition, TopicId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (deleted.HasValue)
        {
            throw new CloudLogException(ErrorCode.UnknownTopicOrPartition, $"Topic '{deleted.Value!.Name}' was deleted.");
        }

        var name = SegmentBlobs.DataBlobName(TopicId, Partition, baseOffset);
        await _blobs.CreateSegmentAsync(name, cancellationToken).ConfigureAwait(false);
        var row = new SegmentEntity
        {
            PartitionKey = SegmentsPartitionKey,
            RowKey = SegmentEntity.RowKeyFor(baseOffset),
            BlobName = name,
            LeaderEpoch = _lease!.Epoch,
            CreatedAt = _context.Time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        try
        {
            await _context.Tables.Segments.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Created already (a crash mid-roll, or another writer): read the tail as it really is.
            return await RecoverAsync(cancellationToken).ConfigureAwait(false);
        }

        _segments = null;
        return new ActiveSegment(SegmentInfo.From(row));
    }

    /// <summary>Appends an index entry once the segment has grown by the index interval since the last.</summary>
    private async Task MaybeWriteIndexEntryAsync(ActiveSegment active)
    {
        if (active.Position - active.LastIndexedPosition < _context.Options.IndexIntervalBytes)
        {
            return;
        }

        var entry = new OffsetIndexEntry(active.NextOffset, active.Position, active.MaxTimestamp);
        var index = _blobs.Index(active.Segment.BlobName);
        try
        {
            await SegmentBlobs.AppendAsync(index, OffsetIndex.Encode(entry), (long)active.IndexEntries * OffsetIndex.EntrySize, CancellationToken.None).ConfigureAwait(false);
            active.IndexEntries++;
            active.LastIndexedPosition = active.Position;
        }
        catch (RequestFailedException e)
        {
            // The index is a hint: a missing entry only makes readers read further. Resynchronise its length.
            _context.Logger.LogWarning(e, "Index entry for {TopicId}/{Partition} not written.", TopicId, Partition);
            try
            {
                var properties = await index.GetPropertiesAsync().ConfigureAwait(false);
                active.IndexEntries = (int)(properties.Value.ContentLength / OffsetIndex.EntrySize);
            }
            catch (RequestFailedException missing) when (missing.Status == 404)
            {
                await _blobs.CreateSegmentAsync(active.Segment.BlobName, CancellationToken.None).ConfigureAwait(false);
                active.IndexEntries = 0;
            }
        }
    }
}

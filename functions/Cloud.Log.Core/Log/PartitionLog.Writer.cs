using Azure;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// The write side: the writer loop, group commit, and the replicated append of one block. A block goes to
/// the in-sync followers first (in parallel), then to the leader replica; a follower that fails leaves the
/// ISR before the leader gets the block (write-ahead), and a leader that fails hands leadership to a
/// follower that holds the block. So every in-sync copy always holds at least what the leader's copy holds.
/// </summary>
internal sealed partial class PartitionLog
{
    private ActiveSegment? _active;
    private Task<bool>? _pendingWait;
    private long _bytesSinceCheckpoint;

    /// <summary>
    /// Queues an encoded batch for this partition and answers where it was stored: with <see cref="Acks.Leader"/>
    /// once one replica holds it, with <see cref="Acks.All"/> once every in-sync replica does. Batches queued
    /// together while an append is in flight go out together in the next block. A batch of an idempotent
    /// producer that the partition already holds is answered with the stored batch's offsets instead.
    /// </summary>
    public Task<AppendResult> AppendAsync(byte[] batch, TopicConfig config, Acks acks, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(batch, config, acks);
        Enqueue(pending);
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private void Enqueue(WriterOperation operation)
    {
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(operation), this);
        lock (_gate)
        {
            _writer ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        }
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

            if (reader.TryPeek(out var first) && first is CatchUpOperation catchUp)
            {
                reader.TryRead(out _);
                await RunCatchUpAsync(catchUp).ConfigureAwait(false);
            }
            else if (first is RollOperation roll)
            {
                reader.TryRead(out _);
                await RunRollAsync(roll).ConfigureAwait(false);
            }
            else
            {
                group.Clear();
                long size = 0;
                while (reader.TryPeek(out var next) && next is PendingAppend append && (group.Count == 0 || size + append.Batch.Length <= TopicConfig.MaxBlockBytes))
                {
                    reader.TryRead(out _);
                    group.Add(append);
                    size += append.Batch.Length;
                }

                await AppendGroupAsync(group).ConfigureAwait(false);
            }

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
            group.RemoveAll(p => p.IsCompleted); // refused on an earlier attempt
            if (group.Count == 0)
            {
                return;
            }

            try
            {
                await EnsureLeadershipAsync(cancellationToken).ConfigureAwait(false);
                if (ShouldRoll(group.Sum(p => (long)p.Batch.Length), group[^1].Config))
                {
                    await RollAsync(cancellationToken).ConfigureAwait(false);
                }

                RefuseWithoutEnoughReplicas(group);
                var active = _active!;
                var (accepted, duplicates) = await PlanAsync(group, active.NextOffset, cancellationToken).ConfigureAwait(false);
                if (accepted.Count == 0)
                {
                    CompleteDuplicates(duplicates);
                    return;
                }

                var (block, batches) = BuildBlock(accepted, active.NextOffset, _lease!.Epoch);
                var blockCount = await ReplicateAsync(active, block, batches, accepted, cancellationToken).ConfigureAwait(false);
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
                FailAll(group, StorageErrors.ToCloudLog(e));
                DropLeadership();
                return;
            }
            catch (Exception e)
            {
                FailAll(group, e);
                _active = null; // the copies or the producer state may hold this group: recover them before the next append
                if (e is not CloudLogException)
                {
                    _context.Logger.LogError(e, "Append to {TopicId}/{Partition} failed.", TopicId, Partition);
                    DropLeadership();
                }

                return;
            }
        }
    }

    /// <summary>
    /// Kafka's check before an append: with fewer in-sync replicas than the topic's <c>min.insync.replicas</c>,
    /// an <c>acks=all</c> batch is refused (NOT_ENOUGH_REPLICAS, retriable) and nothing of it is stored.
    /// </summary>
    private void RefuseWithoutEnoughReplicas(List<PendingAppend> group)
    {
        var inSync = _lease!.State.IsrList.Count;
        foreach (var pending in group.Where(p => p.Acks == Acks.All && inSync < p.Config.MinimumInSyncReplicas))
        {
            pending.Fail(NotEnoughReplicas(inSync, pending.Config.MinimumInSyncReplicas, stored: false));
        }

        group.RemoveAll(p => p.IsCompleted);
    }

    private static CloudLogException NotEnoughReplicas(int inSync, int required, bool stored) =>
        new(ErrorCode.NotEnoughReplicas, stored
            ? $"The batch was stored, but only {inSync} replicas are in sync and min.insync.replicas is {required}: it is not acknowledged. A retry may store it twice unless the producer is idempotent."
            : $"Only {inSync} replicas are in sync and min.insync.replicas is {required}; nothing was stored.")
        {
            RetryAfter = TimeSpan.FromSeconds(5),
        };

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

    /// <summary>
    /// Appends the block to every in-sync replica: followers first, in parallel, then the leader. Followers
    /// that fail leave the ISR before the leader gets the block; a leader that fails is replaced by a
    /// follower that holds it. <c>acks=1</c> batches are answered as soon as one replica holds the block.
    /// Answers the largest committed block count among the copies, for the segment's block limit.
    /// </summary>
    private async Task<int> ReplicateAsync(ActiveSegment active, byte[] block, List<StoredBatch> batches, List<PendingAppend> accepted, CancellationToken cancellationToken)
    {
        var state = _lease!.State;
        var leader = state.Leader;
        var followers = state.IsrList.Where(r => r != leader).ToList();
        var position = active.Position;
        var answered = 0;
        void AnswerAcksOne()
        {
            if (Interlocked.Exchange(ref answered, 1) == 0)
            {
                for (var i = 0; i < accepted.Count; i++)
                {
                    if (accepted[i].Acks != Acks.All)
                    {
                        accepted[i].Completion.TrySetResult(new AppendResult(batches[i].BaseOffset, batches[i].Header.MaxTimestamp, Duplicate: false));
                    }
                }
            }
        }

        var results = await Task.WhenAll(followers.Select(async f =>
        {
            var count = await AppendToReplicaAsync(f, active, block, position, cancellationToken).ConfigureAwait(false);
            if (count is not null)
            {
                AnswerAcksOne();
            }

            return (Location: f, Count: count);
        })).ConfigureAwait(false);
        var failed = results.Where(r => r.Count is null).Select(r => r.Location).ToList();
        if (failed.Count > 0)
        {
            // Write-ahead: they leave the ISR before the leader's copy (what readers see) gets the block.
            await ChangeReplicasAsync(s => s.Isr = Metadata.PartitionStateEntity.FormatList(s.IsrList.Except(failed)), $"followers {string.Join(',', failed)} failed an append", cancellationToken).ConfigureAwait(false);
        }

        var leaderCount = await AppendToReplicaAsync(leader, active, block, position, cancellationToken).ConfigureAwait(false);
        if (leaderCount is null)
        {
            var holders = results.Where(r => r.Count is not null).Select(r => r.Location).ToList();
            if (holders.Count == 0)
            {
                throw new CloudLogException(ErrorCode.StorageUnavailable, $"No replica of partition {Partition} took the append.") { RetryAfter = TimeSpan.FromSeconds(2) };
            }

            var next = PreferredLeader(holders, state.ReplicaList);
            await ChangeReplicasAsync(
                s =>
                {
                    s.Leader = next;
                    s.Isr = Metadata.PartitionStateEntity.FormatList(s.IsrList.Where(r => r != leader));
                    s.Epoch++;
                },
                $"leader {leader} failed an append; {next} leads",
                cancellationToken).ConfigureAwait(false);
        }

        AnswerAcksOne();
        return results.Select(r => r.Count ?? 0).Append(leaderCount ?? 0).Max();
    }

    /// <summary>The first of <paramref name="candidates"/> in the partition's replica order (its preferred leaders).</summary>
    private static int PreferredLeader(IReadOnlyCollection<int> candidates, IReadOnlyList<int> replicas) =>
        replicas.Where(candidates.Contains).Concat(candidates).First();

    private async Task CommitAsync(List<PendingAppend> group, byte[] block, List<StoredBatch> batches, int blockCount)
    {
        var active = _active!;
        _bytesSinceCheckpoint += block.Length;
        active.Position += block.Length;
        active.NextOffset = batches[^1].NextOffset;
        active.BlockCount = Math.Max(active.BlockCount + 1, blockCount);
        active.MaxTimestamp = Math.Max(active.MaxTimestamp, batches.Max(b => b.Header.MaxTimestamp));
        _cache.Add(batches);
        PublishLeaderView();
        SignalAppended();
        var inSync = _lease!.State.IsrList.Count;
        for (var i = 0; i < group.Count; i++)
        {
            if (group[i].Acks == Acks.All && inSync < group[i].Config.MinimumInSyncReplicas)
            {
                group[i].Fail(NotEnoughReplicas(inSync, group[i].Config.MinimumInSyncReplicas, stored: true));
            }
            else
            {
                group[i].Completion.TrySetResult(new AppendResult(batches[i].BaseOffset, batches[i].Header.MaxTimestamp, Duplicate: false));
            }
        }

        await MaybeWriteIndexEntryAsync(active).ConfigureAwait(false);
    }

    private static void FailAll(IEnumerable<WriterOperation> operations, Exception e)
    {
        foreach (var operation in operations)
        {
            operation.Fail(e);
        }
    }

    private void DropLeadership()
    {
        _lease = null;
        _active = null;
        _leaderView = null;
        _producers = null;
    }

    private void PublishLeaderView()
    {
        _leaderView = new LeaderView(_active!.NextOffset, _lease!.ExpiresAt - _context.Options.LeaseSafetyMargin);
        _replicaView = ToView(_lease.State);
    }

    /// <summary>Appends an index entry to every in-sync copy once the segment has grown by the index interval since the last.</summary>
    private async Task MaybeWriteIndexEntryAsync(ActiveSegment active)
    {
        if (active.Position - active.LastIndexedPosition < _context.Options.IndexIntervalBytes)
        {
            return;
        }

        var entry = OffsetIndex.Encode(new OffsetIndexEntry(active.NextOffset, active.Position, active.MaxTimestamp));
        var position = (long)active.IndexEntries * OffsetIndex.EntrySize;
        await Task.WhenAll(_lease!.State.IsrList.Select(location => AppendIndexEntryAsync(location, active, entry, position))).ConfigureAwait(false);
        active.IndexEntries++;
        active.LastIndexedPosition = active.Position;
    }

    /// <summary>
    /// The index is a hint: a missing entry only makes readers of that copy read further, so failures are
    /// logged, not thrown. A copy whose index fell behind (an entry failed earlier) takes the entry at its
    /// own end, so its entries stay in order.
    /// </summary>
    private async Task AppendIndexEntryAsync(int location, ActiveSegment active, byte[] entry, long position)
    {
        var index = Location(location).Index(active.Segment.BlobName);
        using var timeout = new CancellationTokenSource(_context.Options.ReplicaLagTimeMax);
        try
        {
            try
            {
                await SegmentBlobs.AppendAsync(index, entry, position, timeout.Token).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
            {
                var length = (await SegmentBlobs.MeasureAsync(index, timeout.Token).ConfigureAwait(false))?.Length ?? position;
                if (length < position && length % OffsetIndex.EntrySize == 0)
                {
                    await SegmentBlobs.AppendAsync(index, entry, length, timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            _context.Logger.LogWarning(e, "Index entry for {TopicId}/{Partition} not written at location {Location}.", TopicId, Partition, location);
        }
    }
}

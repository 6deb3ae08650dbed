using System.Threading.Channels;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// One instance's writer of one partition. Any number of instances write a partition at once, none waiting
/// for another (docs/replication.md, "Writing a block"):
/// <list type="number">
/// <item>Concurrent produce calls on this instance are group-committed into one block.</item>
/// <item>The block is stamped with the offsets after everything this writer has seen and appended to the
/// sequencer copy with the append-position condition: the storage orders the writers. A writer that lost the
/// race reads what it missed, re-checks idempotent producers against it, takes in what was queued meanwhile
/// (so the retry's block is larger, not smaller) and tries again at the new end.</item>
/// <item>Then the other in-sync copies, the leader last, each brought up to the sequencer's bytes before the
/// block: the leader's copy never holds what another in-sync copy lacks, so its length is the high watermark.</item>
/// <item>A follower that fails leaves the ISR before the leader gets the block (write-ahead, by the state row's
/// ETag); a sequencer or leader that fails, a sealed copy or copies that disagree lead to a roll
/// (<see cref="SegmentRoller"/>), after which the block counts as stored if the closed segment holds it.</item>
/// </list>
/// All mutable state here (the view, the producer state, the checkpoint counter, and through <see cref="WriterTurns"/>
/// when to step aside for other instances) is owned by the writer loop.
/// </summary>
internal sealed class PartitionWriter : IAsyncDisposable
{
    /// <summary>How many times one group is tried (within <see cref="GroupDeadline"/>) before it is failed as retriable.</summary>
    private const int MaxAttempts = 4096;

    /// <summary>How long one group is tried before it is failed as retriable.</summary>
    private static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(20);

    private readonly LogContext _context;
    private readonly PartitionLog _log;
    private readonly SegmentCopies _copies;
    private readonly SegmentRoller _roller;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private Task? _loop;

    /// <summary>The active segment as this writer knows it; null until read (again).</summary>
    private WriterView? _view;

    /// <summary>The partition's idempotent producers, complete up to the view's next offset; null until an idempotent batch needs it.</summary>
    private ProducerStateMap? _producers;

    private long _bytesSinceCheckpoint;

    /// <summary>When this writer steps aside for the other instances that write the partition.</summary>
    private readonly WriterTurns _turns;

    public PartitionWriter(LogContext context, PartitionLog log, SegmentCopies copies, SegmentRoller roller)
    {
        _context = context;
        _log = log;
        _copies = copies;
        _roller = roller;
        _turns = new WriterTurns(context.Options.SharedWriterTurns);
    }

    private string TopicId => _log.TopicId;

    private int Partition => _log.Partition;

    /// <summary>
    /// Queues an encoded batch and answers where it was stored: with <see cref="Acks.Leader"/> once the
    /// sequencer holds it, with <see cref="Acks.All"/> once every in-sync copy does. Batches queued while an
    /// append is in flight go out together in the next block. A batch of an idempotent producer that the
    /// partition already holds is answered with the stored batch's offsets instead.
    /// </summary>
    public Task<AppendResult> AppendAsync(byte[] batch, TopicConfig config, Acks acks, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(batch, config, acks);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        lock (_gate)
        {
            _loop ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        }

        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingAppend>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            TakeMore(group);
            if (group.Count > 0)
            {
                await AppendGroupAsync(group).ConfigureAwait(false);
            }

            // Let go of the group before waiting: a partition gone quiet would keep its last block's batches (up
            // to MaxBlockBytes) for as long as it stays quiet.
            group.Clear();
        }

        await FlushProducersAsync().ConfigureAwait(false);
    }

    /// <summary>Moves queued batches into the group while the block stays within one append.</summary>
    private void TakeMore(List<PendingAppend> group)
    {
        var size = group.Sum(p => (long)p.Batch.Length);
        while (_queue.Reader.TryPeek(out var next) && (group.Count == 0 || size + next.Batch.Length <= TopicConfig.MaxBlockBytes))
        {
            _queue.Reader.TryRead(out _);
            group.Add(next);
            size += next.Batch.Length;
        }
    }

    private async Task AppendGroupAsync(List<PendingAppend> group)
    {
        var cancellationToken = CancellationToken.None;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 0; attempt < MaxAttempts && System.Diagnostics.Stopwatch.GetElapsedTime(started) < GroupDeadline; attempt++)
        {
            group.RemoveAll(p => p.IsCompleted); // refused on an earlier attempt
            if (group.Count == 0)
            {
                return;
            }

            try
            {
                var view = _view ?? await OpenViewAsync(cancellationToken).ConfigureAwait(false);
                if (_turns.TakeReadFirst())
                {
                    // Our turn after others' (turn-taking): read what they appended rather than meet it with a refused append.
                    var before = view.Position;
                    await ReadMissedAsync(view, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                    if (!ReferenceEquals(_view, view))
                    {
                        continue; // rolled meanwhile: open the new segment
                    }

                    if (view.Position == before)
                    {
                        _turns.NothingAppendedMeanwhile();
                    }

                    TakeMore(group);
                }

                if (ShouldRoll(view, group.Sum(p => (long)p.Batch.Length), group[^1].Config))
                {
                    await RollAsync(view, [], "the segment is full or old", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (RefuseWithoutEnoughReplicas(group, view))
                {
                    // The refusal came from this writer's view, which no storage call checked: replicas that
                    // caught up since would never be seen. The next append reads the state row again.
                    _view = null;
                }

                if (group.Count == 0)
                {
                    return;
                }

                var producers = group.Any(p => p.Header.Producer is not null) ? await ProducersAsync(view, group, cancellationToken).ConfigureAwait(false) : _producers;
                var plan = ProducerPlan.Make(group, view.NextOffset, producers, _context.Time.GetUtcNow().ToUnixTimeMilliseconds());
                if (plan.Accepted.Count == 0)
                {
                    await AnswerDuplicatesAsync(view, plan, cancellationToken).ConfigureAwait(false);
                    return;
                }

                using var built = _context.Blocks.Build([.. plan.Accepted.Select(p => p.Batch)], view.NextOffset, view.Epoch); // back to the pool when this attempt ends, however it ends
                var (block, batches) = (built.Bytes, built.Batches);
                var position = view.Position;
                var sent = System.Diagnostics.Stopwatch.GetTimestamp();
                var (outcome, blockCount) = await _copies.SequenceAsync(view.Sequencer, view.Segment.BlobName, block, position).ConfigureAwait(false);
                var took = System.Diagnostics.Stopwatch.GetTimestamp() - sent;
                _turns.Appended(took);
                if (outcome != CopyOutcome.Appended)
                {
                    // Not stored (as far as we know yet): the producer state goes back before it takes what was missed.
                    plan.Undo(producers);
                }

                if (outcome == CopyOutcome.Behind && await ReadMissedAsync(view, block, cancellationToken).ConfigureAwait(false))
                {
                    outcome = CopyOutcome.Appended; // our own append, retried by the SDK after its answer was lost
                    plan.Redo(producers);
                }

                if (outcome != CopyOutcome.Appended)
                {
                    if (outcome != CopyOutcome.Behind)
                    {
                        await AfterLostSequencingAsync(view, outcome, cancellationToken).ConfigureAwait(false);
                    }

                    TakeMore(group);
                    continue;
                }

                view.Advance(block, batches, blockCount, keepBytes: false); // the block goes back to the pool: nothing may keep it
                await _log.HoldAcknowledgementsAsync().ConfigureAwait(false);
                AnswerOnFirstCopy(plan.Accepted, batches);
                var holders = await ReplicateAsync(view, block, position, cancellationToken).ConfigureAwait(false);
                if (holders is null)
                {
                    // A roll settled it: the closed segment holds the block.
                    await _log.HoldAcknowledgementsAsync().ConfigureAwait(false);
                    Complete(plan.Accepted, batches, _log.InSyncCount);
                }
                else
                {
                    await CommitAsync(view, plan.Accepted, batches, holders.Value, position, block.Length).ConfigureAwait(false);
                }

                await AnswerDuplicatesAsync(_view ?? view, plan, cancellationToken).ConfigureAwait(false);
                await TakeTurnsAsync(started).ConfigureAwait(false);
                return;
            }
            catch (CloudLogException e)
            {
                FailAll(group, e);
                Forget();
                return;
            }
            catch (Exception e)
            {
                // Nothing unexpected may leave the partition unwritable, or reach a caller as a 500.
                _context.Logger.LogError(e, "Append to {TopicId}/{Partition} failed.", TopicId, Partition);
                FailAll(group, new CloudLogException(ErrorCode.StorageUnavailable, $"The append to partition {Partition} failed: {e.Message}", e) { RetryAfter = TimeSpan.FromSeconds(1) });
                Forget();
                return;
            }
        }

        FailAll(group, new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {Partition} is changing too fast to append to; retry.") { RetryAfter = TimeSpan.FromSeconds(1) });
    }

    /// <summary>Steps aside for the other writers when <see cref="WriterTurns"/> says so, after a group began at <paramref name="groupStarted"/> is done.</summary>
    private async Task TakeTurnsAsync(long groupStarted)
    {
        var pause = _turns.AfterGroup(groupStarted, System.Diagnostics.Stopwatch.GetTimestamp(), _view is not null, _queue.Reader.TryPeek(out _));
        if (pause > TimeSpan.Zero)
        {
            await Task.Delay(pause).ConfigureAwait(false); // real time: it is about storage round trips, not the engine's clock
            _turns.Resumed(System.Diagnostics.Stopwatch.GetTimestamp());
        }
    }

    private void Forget()
    {
        _view = null;
        _producers = null;
    }

    /// <summary>
    /// Reads the state row and the active segment, and the sequencer copy's tail from its last index entry:
    /// where this writer appends next. A sequencer copy shorter than any other in-sync copy went back (its
    /// storage rolled back): it must not sequence anything, so the segment is rolled without it.
    /// </summary>
    private async Task<WriterView> OpenViewAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (state, segments) = await _log.ReadStateAndSegmentsAsync(cancellationToken).ConfigureAwait(false);
            var last = segments.Count > 0 ? segments[^1] : null;
            if (last is null || last.IsClosed)
            {
                await _roller.StartAsync(state, last?.EndOffset ?? state.LogStartOffset, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var sequencer = WriterView.SequencerOf(state);
            var othersMeasured = Task.WhenAll(state.IsrList.Where(l => l != sequencer).Select(l => _copies.MeasureAsync(l, last.BlobName)));
            SegmentTail tail;
            try
            {
                tail = await _copies.ReadTailAsync(sequencer, last, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException { Status: 404 })
            {
                _context.Logger.LogWarning(e, "The sequencer copy of {TopicId}/{Partition} at location {Location} does not answer.", TopicId, Partition, sequencer);
                await RollWithoutAsync(last, state, sequencer, "the sequencer does not answer", cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (tail.Sealed)
            {
                // A roll is under way, or its roller died: finish it (rolling is idempotent).
                await _roller.RollAsync(last, [], [], "finishing a roll", cancellationToken).ConfigureAwait(false);
                continue;
            }

            if ((await othersMeasured.ConfigureAwait(false)).Any(m => m is { } copy && copy.Length > tail.Position))
            {
                // Every other copy is written after the sequencer: one longer than it means the sequencer's storage went back.
                _context.Logger.LogWarning("The sequencer copy of {TopicId}/{Partition} at location {Location} is shorter than another in-sync copy: its storage went back.", TopicId, Partition, sequencer);
                await RollWithoutAsync(last, state, sequencer, "the sequencer went back", cancellationToken).ConfigureAwait(false);
                continue;
            }

            _producers = null;
            _view = new WriterView(last, state, tail, _context.Options.TailCacheBytesPerPartition);
            KnowIndexTails(_view, tail);
            return _view;
        }

        throw new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {Partition}'s active segment could not be opened.") { RetryAfter = TimeSpan.FromSeconds(1) };
    }

    /// <summary>
    /// The sequencer's index as the tail read found it (its entries and the last one's position) is where this
    /// writer's first index entry goes, at every in-sync copy (the copies' indexes take the same entries): so that
    /// entry is one append, not a measure first. A copy whose index differs refuses the append (412) and is
    /// measured then, as before.
    /// </summary>
    private static void KnowIndexTails(WriterView view, SegmentTail tail)
    {
        foreach (var location in view.State.IsrList)
        {
            view.IndexTails.TryAdd(location, (tail.IndexEntries * (long)OffsetIndex.EntrySize, tail.StartPosition));
        }
    }

    private async Task RollWithoutAsync(SegmentInfo segment, PartitionStateEntity state, int location, string why, CancellationToken cancellationToken)
    {
        if (state.IsrList.Count <= 1)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"The only in-sync replica of partition {Partition} is unavailable.") { RetryAfter = TimeSpan.FromSeconds(2) };
        }

        await _roller.RollAsync(segment, [location], [], why, cancellationToken).ConfigureAwait(false);
    }

    private async Task RollAsync(WriterView view, IReadOnlyCollection<int> exclude, string why, CancellationToken cancellationToken)
    {
        Forget();
        if (exclude.Count > 0 && view.State.IsrList.Except(exclude).Any() is false)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"No in-sync replica of partition {Partition} answers.") { RetryAfter = TimeSpan.FromSeconds(2) };
        }

        await _roller.RollAsync(view.Segment, exclude, [], why, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sequencer did not take the block and was not behind: roll past it.</summary>
    private Task AfterLostSequencingAsync(WriterView view, CopyOutcome outcome, CancellationToken cancellationToken) =>
        outcome == CopyOutcome.Sealed
            ? RollAsync(view, [], "another writer sealed the segment", cancellationToken)
            : RollAsync(view, [view.Sequencer], "the sequencer does not answer", cancellationToken);

    /// <summary>
    /// Reads what other writers appended to the sequencer since this writer last looked, and takes it into the
    /// view and the producer state, so the next block is stamped after it and its producers checked against it.
    /// True when what lies there is <paramref name="block"/> itself: the append landed and only its answer was lost.
    /// </summary>
    private async Task<bool> ReadMissedAsync(WriterView view, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        Storage.BlobRead read;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_context.Options.ReplicaLagTimeMax);
            read = await Storage.SegmentBlobs.ReadAsync(_context.Locations[view.Sequencer].Data(view.Segment.BlobName), view.Position, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException { Status: 404 })
        {
            await RollAsync(view, [view.Sequencer], "the sequencer does not answer", cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (read.Data.IsEmpty)
        {
            if (read.IsSealed)
            {
                await RollAsync(view, [], "another writer sealed the segment", cancellationToken).ConfigureAwait(false);
            }
            else if (read.BlobLength < view.Position)
            {
                await RollAsync(view, [view.Sequencer], "the sequencer went back", cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        if (!block.IsEmpty && read.Data.Length >= block.Length && read.Data.Span[..block.Length].SequenceEqual(block.Span))
        {
            return true;
        }

        var where = $"{view.Segment.BlobName} at location {view.Sequencer}, byte {view.Position}";
        List<StoredBatch> batches;
        try
        {
            batches = BatchScanner.Parse(read.Data, view.NextOffset, where, out var consumed);
            if (consumed != read.Data.Length)
            {
                throw BatchScanner.Corrupt(where, new RecordBatchFormatException($"{read.Data.Length - consumed} bytes at the tail are not a whole batch."));
            }
        }
        catch (CloudLogException e) when (e.Code == ErrorCode.CorruptMessage)
        {
            // What lies past this writer's position does not follow from what it saw: the sequencer's storage went
            // back and another writer sequenced other blocks on it (another history). It must not sequence more.
            _context.Logger.LogWarning(e, "The sequencer copy of {TopicId}/{Partition} at location {Location} does not continue what this writer saw.", TopicId, Partition, view.Sequencer);
            await RollAsync(view, [view.Sequencer], "the sequencer holds another history", cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (_producers is not null)
        {
            var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var batch in batches.Where(b => b.Header.Producer is not null))
            {
                _producers.Apply(batch.Header, now);
            }
        }

        var othersBlocks = read.CommittedBlockCount > view.BlockCount ? read.CommittedBlockCount - view.BlockCount : 1;
        view.Advance(read.Data, batches, read.CommittedBlockCount);
        if (view.Sequencer == view.Leader)
        {
            // The sequencer is the only in-sync copy: what it holds is committed. Published now, the batches go to
            // the tail cache (and the view lets go of them) without waiting for this writer to win a race.
            _log.Committed(view.MarkCommitted(), view.NextOffset, new TailProbe(view.Segment, view.Position, view.NextOffset));
        }

        _turns.MetOthers(othersBlocks, System.Diagnostics.Stopwatch.GetTimestamp());
        return false;
    }

    /// <summary>
    /// Writes the block, which the sequencer holds at <paramref name="position"/>, to the followers (in parallel)
    /// and then to the leader. Answers how many copies hold it, or null when a roll decided instead that the
    /// closed segment holds it; throws (retriable) when it is not stored, or is not known to be (and always after a
    /// roll for an empty block, a repeat's).
    /// </summary>
    private async Task<int?> ReplicateAsync(WriterView view, ReadOnlyMemory<byte> block, long position, CancellationToken cancellationToken)
    {
        var holders = 1;
        var followers = view.Followers;
        if (followers.Count > 0)
        {
            var results = await Task.WhenAll(followers.Select(async f => (Location: f, Outcome: await _copies.WriteAsync(f, view, block, position).ConfigureAwait(false)))).ConfigureAwait(false);
            if (results.Any(r => r.Outcome == CopyOutcome.Diverged))
            {
                return await SettleByRollAsync(view, block, position, [view.Sequencer], "copies disagree: the sequencer's storage went back", cancellationToken).ConfigureAwait(false);
            }

            if (results.Any(r => r.Outcome == CopyOutcome.Sealed))
            {
                return await SettleByRollAsync(view, block, position, [], "another writer sealed the segment", cancellationToken).ConfigureAwait(false);
            }

            var failed = results.Where(r => r.Outcome != CopyOutcome.Appended).Select(r => r.Location).ToList();
            if (failed.Count > 0 && !await ShrinkIsrAsync(view, failed, cancellationToken).ConfigureAwait(false))
            {
                return await SettleByRollAsync(view, block, position, [], "the segment was rolled meanwhile", cancellationToken).ConfigureAwait(false);
            }

            holders += results.Length - failed.Count;
        }

        if (view.Leader != view.Sequencer)
        {
            switch (await _copies.WriteAsync(view.Leader, view, block, position).ConfigureAwait(false))
            {
                case CopyOutcome.Appended:
                    holders++;
                    break;
                case CopyOutcome.Sealed:
                    return await SettleByRollAsync(view, block, position, [], "another writer sealed the segment", cancellationToken).ConfigureAwait(false);
                case CopyOutcome.Diverged:
                    return await SettleByRollAsync(view, block, position, [view.Sequencer], "copies disagree: the sequencer's storage went back", cancellationToken).ConfigureAwait(false);
                default:
                    return await SettleByRollAsync(view, block, position, [view.Leader], "the leader does not answer", cancellationToken).ConfigureAwait(false);
            }
        }

        return holders;
    }

    /// <summary>
    /// After the block reached the sequencer, the segment had to be rolled: it is stored if the closed segment
    /// (what every remaining in-sync copy holds) holds the block's own bytes at its position, read back from one
    /// of those copies, and not stored otherwise. Reaching past the block's offsets is not enough: when the roll
    /// left out a sequencer whose storage went back, the closed segment holds other records at those offsets.
    /// A repeat's empty block has nothing to compare: its callers are told to retry.
    /// </summary>
    private async Task<int?> SettleByRollAsync(WriterView view, ReadOnlyMemory<byte> block, long position, IReadOnlyCollection<int> exclude, string why, CancellationToken cancellationToken)
    {
        await RollAsync(view, exclude, why, cancellationToken).ConfigureAwait(false);
        if (!block.IsEmpty)
        {
            var segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
            var closed = segments.FirstOrDefault(s => s.RowKey == view.Segment.RowKey);
            if (closed is { EndOffset: { } closedAt, SizeBytes: { } size } && size >= position + block.Length)
            {
                var state = await _log.ReadStateAsync(cancellationToken).ConfigureAwait(false);
                var held = await _copies.HoldsAsync(state.IsrList.OrderBy(l => l != state.Leader), view.Segment.BlobName, block, position).ConfigureAwait(false)
                    ?? throw new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {Partition} changed replicas during the append ({why}), and whether the batch was stored is not known: no copy of the closed segment answers. An idempotent producer's retry finds out.") { RetryAfter = TimeSpan.FromSeconds(1) };
                if (held)
                {
                    _log.Committed([], closedAt);
                    return null;
                }
            }
        }

        throw new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {Partition} changed replicas during the append ({why}); the batch was not stored.") { RetryAfter = TimeSpan.FromMilliseconds(200) };
    }

    /// <summary>
    /// Removes followers that did not take a block from the ISR before the leader gets it (write-ahead), with the
    /// state row's ETag. False when the segment was rolled meanwhile (the state's epoch moved on).
    /// </summary>
    private async Task<bool> ShrinkIsrAsync(WriterView view, IReadOnlyList<int> failed, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var state = view.State;
            if (state.Epoch != view.Epoch)
            {
                return false;
            }

            if (!state.IsrList.Intersect(failed).Any())
            {
                return true;
            }

            var written = await _context.States.TryWriteStateAsync(state, s => s.IsrList = [.. s.IsrList.Except(failed)], [], cancellationToken).ConfigureAwait(false);
            if (written is not null)
            {
                view.State = written;
                _log.StateChanged(written);
                _context.Logger.LogWarning("{TopicId}/{Partition}: followers {Failed} failed an append and left the ISR; in sync {Isr}.", TopicId, Partition, string.Join(',', failed), written.Isr);
                return true;
            }

            view.State = await _log.ReadStateAsync(cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private async Task CommitAsync(WriterView view, List<PendingAppend> accepted, List<StoredBatch> batches, int holders, long position, int blockLength)
    {
        _log.Committed(view.MarkCommitted(), view.NextOffset, new TailProbe(view.Segment, view.Position, view.NextOffset));
        await _log.HoldAcknowledgementsAsync().ConfigureAwait(false);
        Complete(accepted, batches, holders);
        _bytesSinceCheckpoint += blockLength;
        var interval = _context.Options.IndexIntervalBytes;
        if (position / interval != view.Position / interval)
        {
            var entry = new OffsetIndexEntry(view.NextOffset, view.Position, view.MaxTimestamp);
            var copies = view.State.IsrList;
            _ = Task.WhenAll(copies.Select(async location =>
            {
                var known = view.IndexTails.TryGetValue(location, out var tail) ? tail : ((long, long)?)null;
                if (await _copies.AppendIndexEntryAsync(location, view.Segment.BlobName, entry, known).ConfigureAwait(false) is { } after)
                {
                    view.IndexTails[location] = after;
                }
                else
                {
                    view.IndexTails.TryRemove(location, out _);
                }
            }));
        }

        if (_bytesSinceCheckpoint >= _context.Options.ProducerCheckpointBytes)
        {
            await FlushProducersAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Answers the batches of a stored block; <c>acks=all</c> ones only when enough copies hold it.</summary>
    private static void Complete(List<PendingAppend> accepted, List<StoredBatch> batches, int holders)
    {
        for (var i = 0; i < accepted.Count; i++)
        {
            var pending = accepted[i];
            if (pending.Acks == Acks.All && holders < pending.Config.MinimumInSyncReplicas)
            {
                pending.Fail(NotEnoughReplicas(holders, pending.Config.MinimumInSyncReplicas, stored: true));
            }
            else
            {
                pending.Completion.TrySetResult(new AppendResult(batches[i].BaseOffset, batches[i].Header.MaxTimestamp, Duplicate: false));
            }
        }
    }

    /// <summary><c>acks=1</c> (and <c>acks=0</c>) batches are answered once the first copy, the sequencer, holds them.</summary>
    private static void AnswerOnFirstCopy(List<PendingAppend> accepted, List<StoredBatch> batches)
    {
        for (var i = 0; i < accepted.Count; i++)
        {
            if (accepted[i].Acks != Acks.All)
            {
                accepted[i].Completion.TrySetResult(new AppendResult(batches[i].BaseOffset, batches[i].Header.MaxTimestamp, Duplicate: false));
            }
        }
    }

    /// <summary>
    /// Answers repeats of stored batches with the stored offsets, once every in-sync copy holds them: a repeat of a
    /// batch that only reached the sequencer (its writer died) brings the other copies up first.
    /// </summary>
    private async Task AnswerDuplicatesAsync(WriterView view, ProducerPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Duplicates.Count == 0)
        {
            return;
        }

        if (plan.Duplicates.Any(d => d.Stored.BaseOffset >= view.CommittedOffset))
        {
            if (!ReferenceEquals(view, _view))
            {
                // The segment was rolled meanwhile: whether the stored batch survived is for a retry to find out.
                FailAll(plan.Duplicates.Select(d => d.Pending), new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {Partition} changed replicas; retry.") { RetryAfter = TimeSpan.FromMilliseconds(200) });
                return;
            }

            await ReplicateAsync(view, ReadOnlyMemory<byte>.Empty, view.Position, cancellationToken).ConfigureAwait(false); // a roll meanwhile throws: retry
            _log.Committed(view.MarkCommitted(), view.NextOffset);
        }

        await _log.HoldAcknowledgementsAsync().ConfigureAwait(false);
        foreach (var (pending, stored) in plan.Duplicates)
        {
            pending.Completion.TrySetResult(new AppendResult(stored.BaseOffset, stored.Timestamp, Duplicate: true));
        }
    }

    /// <summary>
    /// The producer state, built when first needed: the persisted rows from the checkpoint, the committed log from
    /// there to where the view starts, then what the view has seen; producers not met yet are read from their rows.
    /// </summary>
    private async Task<ProducerStateMap> ProducersAsync(WriterView view, List<PendingAppend> group, CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_producers is null)
        {
            var map = new ProducerStateMap();
            var checkpoint = view.State.ProducerCheckpoint;
            await _log.ScanProducersAsync(map, checkpoint, view.StartOffset, now, cancellationToken).ConfigureAwait(false);
            foreach (var header in view.ProducerBatches)
            {
                map.Apply(header, now);
            }

            _producers = map;
            _bytesSinceCheckpoint = checkpoint == view.NextOffset ? 0 : _context.Options.ProducerCheckpointBytes;
        }

        var unknown = group
            .Select(p => p.Header.Producer)
            .Where(p => p is not null && !_producers.Contains(p.Value.ProducerId))
            .Select(p => p!.Value.ProducerId)
            .Distinct()
            .ToList();
        var rows = await Task.WhenAll(unknown.Select(id => _context.Producers.GetAsync(TopicId, Partition, id, cancellationToken))).ConfigureAwait(false);
        foreach (var row in rows)
        {
            if (row is not null && !IsExpired(row, now))
            {
                _producers.Merge(row);
            }
        }

        return _producers;
    }

    /// <summary>
    /// Persists the producers that changed, with the checkpoint at the view's committed end, in one transaction
    /// with the state row under its ETag; only forward (a checkpoint never moves back). On any failure the state
    /// is rebuilt when next needed, so nothing it should have persisted is lost.
    /// </summary>
    private async Task FlushProducersAsync()
    {
        if (_producers is not { } producers || _view is not { } view || view.CommittedOffset != view.NextOffset)
        {
            return;
        }

        var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        producers.Expire(e => IsExpired(e, now));
        var dirty = producers.TakeDirty();
        var checkpoint = view.CommittedOffset;
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var state = view.State;
                if (state.ProducerCheckpoint >= checkpoint)
                {
                    _bytesSinceCheckpoint = 0;
                    return;
                }

                var rows = dirty.Select(e => (Azure.Data.Tables.ITableEntity)ProducerEntity.From(TopicId, Partition, e)).ToList();
                var written = await _context.States.TryWriteStateAsync(state, s => s.ProducerCheckpoint = checkpoint, rows, CancellationToken.None).ConfigureAwait(false);
                if (written is not null)
                {
                    view.State = written;
                    _log.StateChanged(written);
                    _bytesSinceCheckpoint = 0;
                    return;
                }

                view.State = await _log.ReadStateAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException or CloudLogException)
        {
            _context.Logger.LogWarning(e, "Producer state of {TopicId}/{Partition} not persisted; it is rebuilt from the log.", TopicId, Partition);
        }

        _producers = null;
    }

    private bool IsExpired(ProducerStateEntry entry, long now)
    {
        var expiration = ProducerIdempotence.IsDerivedFromKey(entry.ProducerId)
            ? _context.Options.IdempotencyKeyExpiration
            : _context.Options.ProducerIdExpiration;
        return entry.LastAppendTime < now - (long)expiration.TotalMilliseconds;
    }

    private bool ShouldRoll(WriterView view, long blockSize, TopicConfig config)
    {
        if (view.Position == 0)
        {
            return false; // never roll an empty segment
        }

        var age = _context.Time.GetUtcNow().ToUnixTimeMilliseconds() - view.Segment.CreatedAt;
        return view.Position + blockSize > config.SegmentMaxBytes
            || view.BlockCount >= _context.Options.MaxBlocksPerSegment
            || age >= (long)config.SegmentMaxAge.TotalMilliseconds;
    }

    /// <summary>
    /// Kafka's check before an append: with fewer in-sync replicas than the topic's <c>min.insync.replicas</c>,
    /// an <c>acks=all</c> batch is refused (NOT_ENOUGH_REPLICAS, retriable) and nothing of it is stored.
    /// </summary>
    /// <returns>Whether any batch was refused.</returns>
    private static bool RefuseWithoutEnoughReplicas(List<PendingAppend> group, WriterView view)
    {
        var inSync = view.State.IsrList.Count;
        var refused = false;
        foreach (var pending in group.Where(p => p.Acks == Acks.All && inSync < p.Config.MinimumInSyncReplicas))
        {
            pending.Fail(NotEnoughReplicas(inSync, pending.Config.MinimumInSyncReplicas, stored: false));
            refused = true;
        }

        group.RemoveAll(p => p.IsCompleted);
        return refused;
    }

    private static CloudLogException NotEnoughReplicas(int inSync, int required, bool stored) =>
        new(ErrorCode.NotEnoughReplicas, stored
            ? $"The batch was stored, but only {inSync} replicas hold it and min.insync.replicas is {required}: it is not acknowledged. A retry may store it twice unless the producer is idempotent."
            : $"Only {inSync} replicas are in sync and min.insync.replicas is {required}; nothing was stored.")
        {
            RetryAfter = TimeSpan.FromSeconds(5),
        };

    private static void FailAll(IEnumerable<PendingAppend> operations, Exception e)
    {
        foreach (var operation in operations)
        {
            operation.Fail(e);
        }
    }
}

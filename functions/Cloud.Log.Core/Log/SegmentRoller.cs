using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Closes a partition's active segment and starts the next one: the only way its copies' roles change (the
/// sequencer, the leader, a copy rejoining the ISR). Any instance may roll; rolls are ordered by the state
/// row's ETag, and the new segment's name follows from the state (base offset, next epoch), so two instances
/// rolling at once create the same blob and one of them records it.
/// <list type="number">
/// <item>The sequencer's copy is sealed first: no writer can sequence a block after it.</item>
/// <item>Every other in-sync copy is brought up to the sequencer's bytes (or, when the sequencer does not
/// answer, to the longest copy's), then sealed. In-sync copies are prefixes of one another, so nothing any of
/// them holds is cut: an acknowledged block is on the leader and so on every in-sync copy, and a block that
/// only reached the sequencer is kept (as Kafka keeps an unacknowledged record a new leader has). That is
/// checked, not assumed (<see cref="SegmentCopies.CopySegmentAsync"/> compares the copies' ends first): a copy
/// holding another history (its storage went back and a writer sequenced other blocks on it before anyone
/// noticed) leaves the ISR, and when the leader's copy is the one that disagrees with the source, the source
/// is left out instead.</item>
/// <item>Copies that end short of the longest, or do not answer, leave the ISR; copies excluded by the caller
/// (a sequencer that went back, a leader that failed) too; copies included by catch-up are completed and join.</item>
/// <item>One transaction under the state row's ETag closes the old row at the committed end, adds the new
/// segment's row, and records the new ISR, leader and epoch.</item>
/// </list>
/// Writers still appending to the old segment meet the seal (409) and take up the new one.
/// </summary>
internal sealed class SegmentRoller(LogContext context, PartitionLog log, SegmentCopies copies)
{
    private const int Attempts = 6;

    /// <summary>How long a roll waits for the seals of copies out of the ISR once its own are done.</summary>
    private static readonly TimeSpan OthersSealGrace = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Rolls <paramref name="segment"/> if it is still the active one; answers false when another instance
    /// rolled it first (the caller reads the new state). <paramref name="include"/> are locations whose copy of
    /// every closed segment is complete and whose copy of this one is nearly so (catch-up).
    /// </summary>
    public async Task<bool> RollAsync(SegmentInfo segment, IReadOnlyCollection<int> exclude, IReadOnlyCollection<int> include, string why, CancellationToken cancellationToken)
    {
        var excluded = exclude.ToList();
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var (state, segments) = await log.ReadStateAndSegmentsAsync(cancellationToken).ConfigureAwait(false);
            if (segments.Count == 0 || segments[^1].RowKey != segment.RowKey || segments[^1].IsClosed)
            {
                return false;
            }

            await (context.Options.BeforeRollSeals?.Invoke(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
            var othersSealed = SealOthersAsync(segment, state, excluded, cancellationToken);
            var (closed, wentBack) = await SealAsync(segment, state, excluded, cancellationToken).ConfigureAwait(false);
            if (closed is null)
            {
                // The leader's copy holds another history than the source's: the source's storage went back.
                context.Logger.LogWarning("{TopicId}/{Partition}: the leader's copy of {Segment} disagrees with location {Location}'s; the roll goes on without {Location}.", log.TopicId, log.Partition, segment.BlobName, wentBack, wentBack);
                excluded.Add(wentBack);
                continue;
            }

            var joined = new List<int>();
            foreach (var location in include.Where(l => !closed.InSync.Contains(l) && !excluded.Contains(l)))
            {
                try
                {
                    if (await copies.CopySegmentAsync(closed.Source, location, segment, closed.Length, seal: true, replaceDiverged: true, cancellationToken).ConfigureAwait(false) == CopyOutcome.Appended)
                    {
                        joined.Add(location);
                    }
                }
                catch (Exception e) when (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException)
                {
                    context.Logger.LogInformation(e, "Location {Location} did not complete {Segment}; it stays out of the ISR.", location, segment.BlobName);
                }
            }

            var isr = state.ReplicaList.Where(r => closed.InSync.Contains(r) || joined.Contains(r)).ToList();
            var open = await OpenCopiesAsync(segment, state, closed, joined, othersSealed).ConfigureAwait(false);
            if (open.Count > 0)
            {
                context.Logger.LogWarning("{TopicId}/{Partition}: the copies of {Segment} at {Open} could not be sealed; acknowledgements in the next segment wait out the reader view lease.", log.TopicId, log.Partition, segment.BlobName, string.Join(',', open));
            }

            if (await StartAsync(state, closed.Tail.NextOffset, isr, PreferredLeader(state, isr, excluded), (segment, closed, open.Count > 0), why, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        throw new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {log.Partition}'s segment could not be rolled: its state kept changing.") { RetryAfter = TimeSpan.FromSeconds(1) };
    }

    /// <summary>Starts the partition's first segment (or one after a closed segment with no successor); false when another instance did first.</summary>
    public Task<bool> StartAsync(PartitionStateEntity state, long baseOffset, CancellationToken cancellationToken) =>
        StartAsync(state, baseOffset, [.. state.IsrList], state.Leader, null, "first segment", cancellationToken);

    /// <summary>
    /// Seals, at once and best effort, the copies of <paramref name="segment"/> that <see cref="SealAsync"/> leaves
    /// alone: at locations out of the ISR or excluded by the caller (a leader that failed may answer again). A reader
    /// that still names such a copy as the leader's meets the seal (or its absence) and reads the segment list
    /// again. Answers the locations sealed, or found without a copy.
    /// </summary>
    private async Task<IReadOnlyList<int>> SealOthersAsync(SegmentInfo segment, PartitionStateEntity state, IReadOnlyCollection<int> exclude, CancellationToken cancellationToken)
    {
        var others = CopyLocations(segment, state).Where(l => !state.IsrList.Contains(l) || exclude.Contains(l)).ToList();
        var results = await Task.WhenAll(others.Select(async location => (Location: location, Fenced: await copies.TrySealAsync(location, segment.BlobName, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        return results.Where(r => r.Fenced).Select(r => r.Location).ToList();
    }

    /// <summary>
    /// The copies of the closing segment that no reader may be told apart from a live one: not sealed by the roll
    /// (nor found missing). The other copies' seals get a short grace beyond the roll's own, not a wait on a
    /// location that hangs: those count as open.
    /// </summary>
    private static async Task<IReadOnlyList<int>> OpenCopiesAsync(SegmentInfo segment, PartitionStateEntity state, ClosedSegment closed, List<int> joined, Task<IReadOnlyList<int>> othersSealed)
    {
        await Task.WhenAny(othersSealed, Task.Delay(OthersSealGrace)).ConfigureAwait(false);
        var fenced = new HashSet<int>(closed.Sealed.Concat(joined));
        if (othersSealed.IsCompletedSuccessfully)
        {
            fenced.UnionWith(othersSealed.Result);
        }

        return CopyLocations(segment, state).Where(l => !fenced.Contains(l)).ToList();
    }

    /// <summary>Every location that may hold a copy of the segment: its replicas when it started, and the partition's.</summary>
    private static IEnumerable<int> CopyLocations(SegmentInfo segment, PartitionStateEntity state) =>
        PartitionStateEntity.ParseList(segment.Replicas).Union(state.ReplicaList);

    /// <summary>The leader stays where it can; else the first in-sync replica in the partition's order.</summary>
    private static int PreferredLeader(PartitionStateEntity state, List<int> isr, IReadOnlyCollection<int> exclude) =>
        isr.Contains(state.Leader) && !exclude.Contains(state.Leader) ? state.Leader : isr.Count > 0 ? isr[0] : state.Leader;

    /// <summary>
    /// Seals the segment's copies as the class summary describes; answers where it ends and which copies hold all
    /// of it. A copy found holding another history than the source's leaves the ISR; when that copy is the
    /// leader's, the source is the one that went back instead (every acknowledged block is on the leader, and the
    /// leader is only ever written with bytes the sequencer held at the time): no segment then, and the source to
    /// leave out.
    /// </summary>
    private async Task<(ClosedSegment? Closed, int Source)> SealAsync(SegmentInfo segment, PartitionStateEntity state, IReadOnlyCollection<int> exclude, CancellationToken cancellationToken)
    {
        var sequencer = WriterView.SequencerOf(state);
        var candidates = state.IsrList.Where(l => !exclude.Contains(l)).ToList();
        var lengths = new Dictionary<int, long>();
        int? source = null;
        if (candidates.Contains(sequencer) && await copies.SealAndMeasureAsync(sequencer, segment.BlobName, cancellationToken).ConfigureAwait(false) is { } sealedLength)
        {
            lengths[sequencer] = sealedLength;
            source = sequencer;
        }

        var others = candidates.Where(l => l != source).ToList();
        if (source is null)
        {
            // The sequencer is gone: the longest of the others holds everything any of them holds.
            var measured = await Task.WhenAll(others.Select(async l => (Location: l, Copy: await copies.MeasureAsync(l, segment.BlobName).ConfigureAwait(false)))).ConfigureAwait(false);
            var reachable = measured.Where(m => m.Copy is not null).OrderByDescending(m => m.Copy!.Value.Length).ToList();
            if (reachable.Count == 0)
            {
                throw new CloudLogException(ErrorCode.StorageUnavailable, $"No in-sync replica of partition {log.Partition} answers.") { RetryAfter = TimeSpan.FromSeconds(2) };
            }

            source = reachable[0].Location;
            lengths[source.Value] = await copies.SealAndMeasureAsync(source.Value, segment.BlobName, cancellationToken).ConfigureAwait(false)
                ?? throw new CloudLogException(ErrorCode.StorageUnavailable, $"No in-sync replica of partition {log.Partition} answers.") { RetryAfter = TimeSpan.FromSeconds(2) };
            others.Remove(source.Value);
        }

        var target = lengths[source.Value];
        var brought = await Task.WhenAll(others.Select(async location =>
        {
            var diverged = false;
            try
            {
                diverged = await copies.CopySegmentAsync(source.Value, location, segment, target, seal: false, replaceDiverged: false, cancellationToken).ConfigureAwait(false) == CopyOutcome.Diverged;
            }
            catch (Exception e) when (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException)
            {
                context.Logger.LogWarning(e, "Location {Location} was not brought up to byte {Length} of {Segment}.", location, target, segment.BlobName);
            }

            var length = await copies.SealAndMeasureAsync(location, segment.BlobName, cancellationToken).ConfigureAwait(false); // sealed either way: no writer appends to it again
            return (Location: location, Length: diverged ? null : length, Diverged: diverged);
        })).ConfigureAwait(false);
        if (brought.Any(b => b.Diverged && b.Location == state.Leader))
        {
            return (null, source.Value);
        }

        foreach (var (location, length, _) in brought)
        {
            if (length is { } l)
            {
                lengths[location] = l;
            }
        }

        var end = lengths.Values.Max();
        var holder = lengths.First(kv => kv.Value == end).Key;
        var inSync = lengths.Where(kv => kv.Value == end).Select(kv => kv.Key).ToList();
        var tail = await copies.ReadTailAsync(holder, segment, end, cancellationToken).ConfigureAwait(false);
        return (new ClosedSegment(end, holder, inSync, [.. lengths.Keys], tail), source.Value);
    }

    /// <summary>
    /// Creates the new segment's blobs on <paramref name="isr"/> and records it in one transaction under the
    /// state row's ETag, closing <paramref name="closing"/>; false when the state row changed meanwhile.
    /// </summary>
    private async Task<bool> StartAsync(PartitionStateEntity state, long baseOffset, List<int> isr, int leader, (SegmentInfo Segment, ClosedSegment End, bool LeftOpen)? closing, string why, CancellationToken cancellationToken)
    {
        // A delete records the topic id before it seals the segments: never start a segment of a deleted topic.
        var deleted = await context.Tables.DeletedTopics.GetEntityIfExistsAsync<DeletedTopicEntity>(DeletedTopicEntity.Partition, log.TopicId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (deleted.HasValue)
        {
            throw new CloudLogException(ErrorCode.UnknownTopicOrPartition, $"Topic '{deleted.Value!.Name}' was deleted.");
        }

        var epoch = Math.Max(state.Epoch, closing?.Segment.Epoch ?? 0) + 1;
        var name = SegmentBlobs.DataBlobName(log.TopicId, log.Partition, baseOffset, epoch);
        var created = (await Task.WhenAll(isr.Select(async location =>
            (Location: location, Ok: await copies.TryCreateAsync(location, name, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
            .Where(c => c.Ok).Select(c => c.Location).ToList();
        if (created.Count == 0)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"No replica of partition {log.Partition} could start a segment.") { RetryAfter = TimeSpan.FromSeconds(2) };
        }

        var newLeader = created.Contains(leader) ? leader : created[0];
        var row = new SegmentEntity
        {
            PartitionKey = log.TopicId,
            RowKey = SegmentEntity.RowKeyFor(log.Partition, baseOffset, epoch),
            BlobName = name,
            Replicas = PartitionStateEntity.FormatList(created),
            LeaderEpoch = epoch,
            CreatedAt = context.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            PreviousCopiesOpen = closing?.LeftOpen ?? false,
        };
        var rows = new List<ITableEntity> { row };
        if (closing is { } c)
        {
            rows.Add(new SegmentEntity
            {
                PartitionKey = log.TopicId,
                RowKey = c.Segment.RowKey,
                BlobName = c.Segment.BlobName,
                Replicas = c.Segment.Replicas,
                LeaderEpoch = c.Segment.Epoch,
                CreatedAt = c.Segment.CreatedAt,
                EndOffset = c.End.Tail.NextOffset,
                SizeBytes = c.End.Length,
                MaxTimestamp = c.End.Tail.MaxTimestamp,
            });
        }

        var written = await context.States.TryWriteStateAsync(
            state,
            s =>
            {
                s.Leader = newLeader;
                s.IsrList = created;
                s.Epoch = epoch;
            },
            rows,
            cancellationToken).ConfigureAwait(false);
        if (written is null)
        {
            return false;
        }

        log.StateChanged(written);
        context.Logger.Log(
            closing is null || created.SequenceEqual(state.IsrList) ? LogLevel.Information : LogLevel.Warning,
            "{TopicId}/{Partition}: {Why}; segment {Segment} at offset {Offset}, leader {Leader}, in sync {Isr}, epoch {Epoch}.",
            log.TopicId, log.Partition, why, name, baseOffset, newLeader, written.Isr, epoch);
        return true;
    }

    /// <summary>Where a sealed segment ends, a copy that holds all of it, which copies do, and which were sealed.</summary>
    private sealed record ClosedSegment(long Length, int Source, IReadOnlyList<int> InSync, IReadOnlyList<int> Sealed, SegmentTail Tail);
}

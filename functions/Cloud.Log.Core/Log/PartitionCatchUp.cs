using Cloud.Log.Core.Metadata;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Brings a partition's replicas that are out of the ISR back into it. Closed segments are copied from the
/// leader's copy (read, CRC-checked, appended with the append-position condition, sealed); the active segment
/// is copied up to the leader's length while writers go on; then a roll (<see cref="SegmentRoller"/>) seals the
/// active segment, completes the copy to its committed end, and starts the next segment with the replica in
/// the ISR. A replica rejoins only at a segment boundary, so every writer of a segment agrees on its copies.
/// Two catch-ups at once (two instances, or the timer and a server) do no harm: the copying is
/// position-conditioned and the rolls are ordered by the state row's ETag.
/// </summary>
internal sealed class PartitionCatchUp(LogContext context, PartitionLog log, SegmentCopies copies, SegmentRoller roller)
{
    /// <summary>Answers the locations that rejoined the ISR.</summary>
    public async Task<IReadOnlyList<int>> RunAsync(CancellationToken cancellationToken)
    {
        var state = await log.ReadStateAsync(cancellationToken).ConfigureAwait(false);
        var lagging = state.ReplicaList.Except(state.IsrList).ToList();
        if (lagging.Count == 0)
        {
            return [];
        }

        var segments = await log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        var ready = new List<int>();
        foreach (var location in lagging)
        {
            if (await CopyClosedSegmentsAsync(location, state, segments, cancellationToken).ConfigureAwait(false))
            {
                ready.Add(location);
            }
        }

        var active = segments.Count > 0 && !segments[^1].IsClosed ? segments[^1] : null;
        if (ready.Count == 0 || active is null)
        {
            return [];
        }

        var leaderLength = (await copies.MeasureAsync(state.Leader, active.BlobName).ConfigureAwait(false))?.Length ?? 0;
        foreach (var location in ready.ToList())
        {
            try
            {
                if (await copies.CopySegmentAsync(state.Leader, location, active, leaderLength, seal: false, replaceDiverged: true, cancellationToken).ConfigureAwait(false) != CopyOutcome.Appended)
                {
                    ready.Remove(location);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException))
            {
                context.Logger.LogInformation(e, "Location {Location} cannot catch up {TopicId}/{Partition} yet.", location, log.TopicId, log.Partition);
                ready.Remove(location);
            }
        }

        if (ready.Count == 0 || !await roller.RollAsync(active, [], ready, $"locations {string.Join(',', ready)} caught up", cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        var after = await log.ReadStateAsync(cancellationToken).ConfigureAwait(false);
        return ready.Where(after.IsrList.Contains).ToList();
    }

    /// <summary>Copies what one location lacks of the closed segments, and seals its copies; false when it does not answer.</summary>
    private async Task<bool> CopyClosedSegmentsAsync(int location, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var segment in segments.Where(s => s.IsClosed && !s.IsEmpty && s.EndOffset > state.LogStartOffset))
            {
                if (await copies.CopySegmentAsync(state.Leader, location, segment, segment.SizeBytes!.Value, seal: true, replaceDiverged: true, cancellationToken).ConfigureAwait(false) != CopyOutcome.Appended)
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (SegmentCopies.IsUnavailable(e) || e is Azure.RequestFailedException))
        {
            context.Logger.LogInformation(e, "Location {Location} cannot catch up {TopicId}/{Partition} yet.", location, log.TopicId, log.Partition);
            return false;
        }
    }
}

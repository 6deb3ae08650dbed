using Azure;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Replicas: appending a block to one copy, and bringing a lagging copy back into the ISR. Catch-up reads
/// from the leader's copy, checks every batch's CRC, and appends with the append-position condition, so two
/// catch-ups at once, or a catch-up racing a late writer, cannot write anything twice. Closed segments are
/// copied without the lease (their committed bytes never change); the active segment, and the return to the
/// ISR, happen inside the writer loop, between appends, so the copy is exactly in step when it rejoins.
/// </summary>
internal sealed partial class PartitionLog
{
    /// <summary>Bytes copied per read and per append during catch-up: one append blob block at most.</summary>
    private const int CatchUpChunkBytes = TopicConfig.MaxBlockBytes;

    /// <summary>
    /// Appends a block to one copy at <paramref name="position"/> within the replica lag limit. Answers the
    /// copy's block count, or null when the copy did not take it (it failed, timed out, or is not where this
    /// writer expects it). An append whose answer was lost but which landed counts as taken.
    /// </summary>
    private async Task<int?> AppendToReplicaAsync(int location, ActiveSegment active, byte[] block, long position, CancellationToken cancellationToken)
    {
        var blob = Location(location).Data(active.Segment.BlobName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_context.Options.ReplicaLagTimeMax);
        try
        {
            return await SegmentBlobs.AppendAsync(blob, block, position, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            // An SDK retry of an append whose answer was lost meets 412: check whether the block is ours.
            if (await LandedAsync(blob, block, position).ConfigureAwait(false))
            {
                return active.BlockCount + 1;
            }

            _context.Logger.LogWarning(e, "Location {Location} did not take an append to {TopicId}/{Partition} at byte {Position}.", location, TopicId, Partition, position);
            return null;
        }
    }

    private async Task<bool> LandedAsync(Azure.Storage.Blobs.Specialized.AppendBlobClient blob, byte[] block, long position)
    {
        using var timeout = new CancellationTokenSource(_context.Options.ReplicaLagTimeMax);
        try
        {
            var read = await SegmentBlobs.ReadAsync(blob, position, block.Length, timeout.Token).ConfigureAwait(false);
            return read.Data.Span.SequenceEqual(block);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            return false;
        }
    }

    /// <summary>
    /// Brings every replica that is out of the ISR up to the leader and back into it; answers the locations
    /// that rejoined. Closed segments are copied here, without the lease; the rest runs in the writer loop.
    /// </summary>
    public async Task<IReadOnlyList<int>> CatchUpAsync(CancellationToken cancellationToken)
    {
        var view = await LoadReplicaViewAsync(cancellationToken).ConfigureAwait(false);
        var lagging = view.Replicas.Except(view.Isr).ToList();
        if (lagging.Count == 0)
        {
            return [];
        }

        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        var ready = new List<int>();
        foreach (var location in lagging)
        {
            if (await CopyClosedSegmentsAsync(location, view, segments, cancellationToken).ConfigureAwait(false))
            {
                ready.Add(location);
            }
        }

        if (ready.Count == 0)
        {
            return [];
        }

        var operation = new CatchUpOperation();
        Enqueue(operation);
        return await operation.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies what one location lacks of the closed segments, and seals its copies; false when it does not answer.</summary>
    private async Task<bool> CopyClosedSegmentsAsync(int location, ReplicaView view, IReadOnlyList<SegmentInfo> segments, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var segment in segments.Where(s => s.IsClosed && !s.IsEmpty && s.EndOffset > view.LogStartOffset))
            {
                if (!await CopySegmentAsync(view.Leader, location, segment, segment.SizeBytes!.Value, seal: true, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            _context.Logger.LogInformation(e, "Location {Location} cannot catch up {TopicId}/{Partition} yet.", location, TopicId, Partition);
            return false;
        }
    }

    /// <summary>
    /// Makes <paramref name="target"/>'s copy of <paramref name="segment"/> hold the source's first
    /// <paramref name="end"/> bytes: appends what it lacks in whole, CRC-checked batches, then its index
    /// entries, and seals it when asked. A copy already longer holds the same bytes up to
    /// <paramref name="end"/> (the rest is what a failed writer left past the committed end). False when the
    /// copy is sealed short of the end and can no longer be completed.
    /// </summary>
    private async Task<bool> CopySegmentAsync(int source, int target, SegmentInfo segment, long end, bool seal, CancellationToken cancellationToken)
    {
        var to = Location(target);
        var from = Location(source);
        var blob = to.Data(segment.BlobName);
        var measured = await SegmentBlobs.MeasureAsync(blob, cancellationToken).ConfigureAwait(false);
        if (measured is null)
        {
            await to.CreateSegmentAsync(segment.BlobName, cancellationToken).ConfigureAwait(false);
            measured = (0, false);
        }

        var (position, isSealed) = measured.Value;
        if (position < end && isSealed)
        {
            _context.Logger.LogError("Location {Location}'s copy of {Segment} is sealed at byte {Position}, short of {End}; it cannot rejoin.", target, segment.BlobName, position, end);
            return false;
        }

        while (position < end)
        {
            var read = await SegmentBlobs.ReadAsync(from.Data(segment.BlobName), position, Math.Min(CatchUpChunkBytes, end - position), cancellationToken).ConfigureAwait(false);
            var where = $"{segment.BlobName} at location {source}, byte {position}";
            BatchScanner.Parse(read.Data, null, where, out var consumed);
            if (consumed == 0)
            {
                throw BatchScanner.Corrupt(where, new Protocol.Batches.RecordBatchFormatException("No whole batch where the copy continues."));
            }

            try
            {
                await SegmentBlobs.AppendAsync(blob, read.Data[..consumed], position, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
            {
                // Another catch-up appended first: carry on from where the copy ends now.
                position = (await SegmentBlobs.MeasureAsync(blob, cancellationToken).ConfigureAwait(false))?.Length ?? position;
                continue;
            }

            position += consumed;
        }

        await CopyIndexAsync(source, target, segment, end, cancellationToken).ConfigureAwait(false);
        if (seal)
        {
            await SegmentBlobs.SealAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Appends the source index's entries (up to byte <paramref name="end"/>) that the target's index lacks.</summary>
    private async Task CopyIndexAsync(int source, int target, SegmentInfo segment, long end, CancellationToken cancellationToken)
    {
        var sourceIndex = await ReadIndexAsync(source, segment, cancellationToken).ConfigureAwait(false);
        var targetBlob = Location(target).Index(segment.BlobName);
        var length = (await SegmentBlobs.MeasureAsync(targetBlob, cancellationToken).ConfigureAwait(false))?.Length ?? 0;
        var have = (int)(length / OffsetIndex.EntrySize);
        var missing = sourceIndex.Entries.Skip(have).Where(e => e.Position <= end).ToList();
        if (missing.Count == 0 || length % OffsetIndex.EntrySize != 0)
        {
            return;
        }

        var bytes = missing.SelectMany(OffsetIndex.Encode).ToArray();
        try
        {
            await SegmentBlobs.AppendAsync(targetBlob, bytes, length, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
        {
            // Another catch-up wrote them: the index is a hint either way.
        }
    }

    /// <summary>
    /// The writer loop's part of catch-up, holding the lease: copies what each lagging replica lacks of the
    /// active segment, so it is exactly in step, and returns it to the ISR. A copy that holds more than the
    /// leader's (bytes a failed writer left) cannot continue this segment: the segment is rolled, and the
    /// replica rejoins at the next run.
    /// </summary>
    private async Task RunCatchUpAsync(CatchUpOperation operation)
    {
        var cancellationToken = CancellationToken.None;
        try
        {
            await EnsureLeadershipAsync(cancellationToken).ConfigureAwait(false);
            var state = _lease!.State;
            var rejoined = new List<int>();
            var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
            foreach (var location in state.ReplicaList.Except(state.IsrList))
            {
                try
                {
                    var view = ToView(_lease.State);
                    if (!await CopyClosedSegmentsAsync(location, view, segments, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    var active = _active!;
                    var copy = await SegmentBlobs.MeasureAsync(Location(location).Data(active.Segment.BlobName), cancellationToken).ConfigureAwait(false);
                    if (copy is { } c && c.Length > active.Position)
                    {
                        await RollAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    if (!await CopySegmentAsync(_lease.State.Leader, location, active.Segment, active.Position, seal: false, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    await ChangeReplicasAsync(s => s.Isr = PartitionStateEntity.FormatList(s.IsrList.Append(location).Distinct().OrderBy(r => s.ReplicaList.ToList().IndexOf(r))), $"location {location} caught up", cancellationToken).ConfigureAwait(false);
                    rejoined.Add(location);
                }
                catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException)
                {
                    _context.Logger.LogInformation(e, "Location {Location} cannot catch up {TopicId}/{Partition} yet.", location, TopicId, Partition);
                }
            }

            operation.Completion.TrySetResult(rejoined);
        }
        catch (Exception e)
        {
            operation.Fail(e);
            if (e is not CloudLogException)
            {
                _active = null;
            }
        }
    }
}

using Azure;
using Azure.Storage.Blobs.Specialized;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Batches;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Operations on the copies of one partition's segments, each at one location: position-conditioned appends
/// (and bringing a lagging copy up to the sequencer's bytes before), sealing and measuring, reading a tail,
/// copying a segment for catch-up, and index entries. Stateless apart from the storage clients: the writer,
/// the roller and catch-up share it.
/// </summary>
internal sealed class SegmentCopies(LogContext context, string topicId, int partition)
{
    /// <summary>Bytes copied per read and per append during catch-up: one append blob block at most.</summary>
    private const int CopyChunkBytes = Topics.TopicConfig.MaxBlockBytes;

    /// <summary>
    /// How much of a copy's end a copy is compared over before more is appended to it, or before it is taken as
    /// complete (<see cref="CopySegmentAsync"/>): one range read of each copy.
    /// </summary>
    private const int AgreementWindowBytes = 64 * 1024;

    /// <summary>
    /// How much of a lagging copy's end a writer compares with the sequencer's bytes before it brings the copy up
    /// (<see cref="WriteAsync"/>): a few batches, CRCs among them, in one small range read.
    /// </summary>
    internal const int EndCheckBytes = 4 * 1024;

    private const string BlockCountExceedsLimit = "BlockCountExceedsLimit";

    private SegmentBlobs Location(int location) => context.Locations[location];

    /// <summary>
    /// Appends <paramref name="block"/> to the sequencer at exactly <paramref name="position"/> within the replica
    /// lag limit. A 412 answers <see cref="CopyOutcome.Behind"/> at once, since the writer reads what lies there next
    /// anyway (and finds its own block there if an SDK retry of a landed append met the condition).
    /// </summary>
    public Task<(CopyOutcome Outcome, int BlockCount)> SequenceAsync(int location, string blobName, ReadOnlyMemory<byte> block, long position) =>
        AppendAsync(location, blobName, block, position);

    /// <summary>
    /// Appends at exactly <paramref name="position"/> within the replica lag limit: 412 is <see cref="CopyOutcome.Behind"/>
    /// (the caller finds out what lies there). An append whose location failed to answer but which landed counts as appended.
    /// </summary>
    private async Task<(CopyOutcome Outcome, int BlockCount)> AppendAsync(int location, string blobName, ReadOnlyMemory<byte> block, long position)
    {
        var blob = Location(location).Data(blobName);
        using var timeout = new CancellationTokenSource(context.Options.ReplicaLagTimeMax);
        try
        {
            return (CopyOutcome.Appended, await SegmentBlobs.AppendAsync(blob, block, position, timeout.Token).ConfigureAwait(false));
        }
        catch (RequestFailedException e) when (StorageErrors.IsSealed(e) || e.ErrorCode == BlockCountExceedsLimit)
        {
            // A copy at the block limit takes no more appends either: it is rolled like a sealed one.
            return (CopyOutcome.Sealed, 0);
        }
        catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
        {
            return (CopyOutcome.Behind, 0);
        }
        catch (Exception e) when (IsUnavailable(e) || e is RequestFailedException { Status: 404 })
        {
            // A missing copy is an unavailable copy (its storage lost it).
            if (await LandedAsync(blob, block, position).ConfigureAwait(false))
            {
                return (CopyOutcome.Appended, 0);
            }

            context.Logger.LogWarning(e, "Location {Location} did not take an append to {TopicId}/{Partition} at byte {Position}.", location, topicId, partition, position);
            return (CopyOutcome.Unavailable, 0);
        }
    }

    /// <summary>
    /// Makes the copy at <paramref name="location"/> hold <paramref name="block"/> at <paramref name="position"/>,
    /// first appending what it lacks before it (bytes the sequencer got from other writers, taken from the view or
    /// read from the sequencer). Every byte written comes from the sequencer's copy at the same position, so two
    /// writers doing this at once meet the position condition and write nothing twice. A copy found short costs
    /// one property read and, where the missing bytes and the block fit in one append block, one append of both.
    /// </summary>
    public async Task<CopyOutcome> WriteAsync(int location, WriterView view, ReadOnlyMemory<byte> block, long position)
    {
        var blobName = view.Segment.BlobName;
        var end = position + block.Length;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            // An empty block only brings the copy up to the position (what a repeated batch needs before its answer).
            if (!block.IsEmpty)
            {
                var (outcome, _) = await AppendAsync(location, blobName, block, position).ConfigureAwait(false);
                if (outcome != CopyOutcome.Behind)
                {
                    return outcome;
                }
            }

            var measured = await MeasureAsync(location, blobName).ConfigureAwait(false);
            if (measured is not { } copy)
            {
                return CopyOutcome.Unavailable;
            }

            if (copy.Sealed)
            {
                return CopyOutcome.Sealed;
            }

            if (copy.Length == position && !block.IsEmpty)
            {
                continue; // another writer brought it up to the position just now: append the block again
            }

            ReadOnlyMemory<byte> bytes;
            long from;
            if (copy.Length < position)
            {
                var ends = EndsAsTheSequencersAsync(location, view, copy.Length);
                var missing = view.BytesBetween(copy.Length, position) ?? await ReadSequencerAsync(view, copy.Length, position).ConfigureAwait(false);
                switch (await ends.ConfigureAwait(false))
                {
                    case null:
                        return CopyOutcome.Unavailable;
                    case false:
                        // Its end is not the sequencer's bytes: it holds another history (the sequencer went back and
                        // took other blocks); bringing it up would splice the two.
                        return CopyOutcome.Diverged;
                }

                if (missing is not { } gap)
                {
                    return CopyOutcome.Unavailable;
                }

                (bytes, from) = (Join(gap, block), copy.Length);
            }
            else
            {
                // Longer than the position: another writer brought it up past (part of) our block, or an SDK retry of
                // a landed append met the condition. Whatever it holds from the position must be our block's bytes.
                var held = (int)Math.Min(copy.Length - position, block.Length);
                if (held > 0 && !await LandedAsync(Location(location).Data(blobName), block[..held], position).ConfigureAwait(false))
                {
                    return CopyOutcome.Diverged;
                }

                if (copy.Length >= end)
                {
                    return CopyOutcome.Appended;
                }

                (bytes, from) = (block[held..], copy.Length);
            }

            var done = true;
            foreach (var chunk in Chunks(bytes, from))
            {
                var (filled, _) = await AppendAsync(location, blobName, chunk.Bytes, chunk.Position).ConfigureAwait(false);
                if (filled is CopyOutcome.Sealed or CopyOutcome.Unavailable)
                {
                    return filled;
                }

                if (filled == CopyOutcome.Behind)
                {
                    done = false;
                    break; // another writer filled it meanwhile (or is filling it): measure again
                }
            }

            if (done)
            {
                return CopyOutcome.Appended;
            }
        }

        return CopyOutcome.Unavailable;
    }

    /// <summary>The copy's length and whether it is sealed; null when its location does not answer. A missing blob is length 0.</summary>
    public async Task<(long Length, bool Sealed)?> MeasureAsync(int location, string blobName)
    {
        using var timeout = new CancellationTokenSource(context.Options.ReplicaLagTimeMax);
        try
        {
            return await SegmentBlobs.MeasureAsync(Location(location).Data(blobName), timeout.Token).ConfigureAwait(false) ?? (0, false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return null;
        }
    }

    /// <summary>
    /// Seals one copy, best effort: true when it is sealed or there is none (either way no reader takes it for a
    /// live copy), false when the location does not answer.
    /// </summary>
    public async Task<bool> TrySealAsync(int location, string blobName, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.ReplicaLagTimeMax);
        try
        {
            await SegmentBlobs.SealAsync(Location(location).Data(blobName), timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsUnavailable(e))
        {
            return false;
        }
    }

    /// <summary>Seals one copy and answers its length, or null when the location does not answer (or lost the copy).</summary>
    public async Task<long?> SealAndMeasureAsync(int location, string blobName, CancellationToken cancellationToken)
    {
        var blob = Location(location).Data(blobName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.ReplicaLagTimeMax);
        try
        {
            await SegmentBlobs.SealAsync(blob, timeout.Token).ConfigureAwait(false);
            return (await SegmentBlobs.MeasureAsync(blob, timeout.Token).ConfigureAwait(false))?.Length;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (IsUnavailable(e) || e is RequestFailedException { Status: 404 }))
        {
            context.Logger.LogWarning(e, "Location {Location} did not seal {Segment}.", location, blobName);
            return null;
        }
    }

    /// <summary>
    /// Reads one copy's tail from its last index entry at or before <paramref name="end"/>: to its end, or to
    /// <paramref name="end"/> (which must fall on a batch boundary). An empty range costs no read of the data.
    /// </summary>
    public async Task<SegmentTail> ReadTailAsync(int location, SegmentInfo segment, long? end, CancellationToken cancellationToken)
    {
        var index = await ReadIndexAsync(location, segment, cancellationToken).ConfigureAwait(false);
        var from = end is { } limit ? index.FloorForPosition(limit) : index.Last;
        var blob = Location(location).Data(segment.BlobName);
        var read = await SegmentBlobs.ReadAsync(blob, from.Position, end is { } e ? e - from.Position : null, cancellationToken).ConfigureAwait(false);
        var where = $"{segment.BlobName} at location {location}, byte {from.Position}";
        var batches = BatchScanner.Parse(read.Data, from.Offset, where, out var consumed);
        if (consumed != read.Data.Length)
        {
            throw BatchScanner.Corrupt(where, new RecordBatchFormatException($"{read.Data.Length - consumed} bytes at the tail are not a whole batch."));
        }

        return new SegmentTail(
            from.Position,
            from.Offset,
            from.Position + consumed,
            batches.Count > 0 ? batches[^1].NextOffset : from.Offset,
            read.CommittedBlockCount,
            batches.Aggregate(from.MaxTimestampBefore, (max, b) => Math.Max(max, b.Header.MaxTimestamp)),
            index.Count,
            read.Data,
            batches,
            read.IsSealed);
    }

    /// <summary>Reads a segment's offset index at one location; a missing index blob is an empty index.</summary>
    public async Task<OffsetIndex> ReadIndexAsync(int location, SegmentInfo segment, CancellationToken cancellationToken)
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
    /// Appends an index entry to one copy's index, after the last one there: entries stay in order even when
    /// several writers add them at once. Where the caller knows the index's tail (<paramref name="known"/>: its
    /// length and last entry's position, as this writer last wrote or saw it) and the entry comes after it, the
    /// entry is appended there at once, with the position condition (one request); otherwise, or when another
    /// writer appended since, the index is measured and its last entry read first. Answers the index's tail
    /// afterwards, or null when unknown. The index is a hint (a missing entry only makes readers read further),
    /// so failures are logged, not thrown.
    /// </summary>
    public async Task<(long Length, long LastPosition)?> AppendIndexEntryAsync(int location, string blobName, OffsetIndexEntry entry, (long Length, long LastPosition)? known = null)
    {
        var index = Location(location).Index(blobName);
        using var timeout = new CancellationTokenSource(context.Options.ReplicaLagTimeMax);
        try
        {
            if (known is { } tail && tail.LastPosition < entry.Position && tail.Length % OffsetIndex.EntrySize == 0)
            {
                try
                {
                    await SegmentBlobs.AppendAsync(index, OffsetIndex.Encode(entry), tail.Length, timeout.Token).ConfigureAwait(false);
                    return (tail.Length + OffsetIndex.EntrySize, entry.Position);
                }
                catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
                {
                    // Another writer added one since: look.
                }
            }

            for (var attempt = 0; attempt < 3; attempt++)
            {
                var length = (await SegmentBlobs.MeasureAsync(index, timeout.Token).ConfigureAwait(false))?.Length ?? 0;
                if (length % OffsetIndex.EntrySize != 0)
                {
                    return null;
                }

                if (length > 0)
                {
                    var last = await SegmentBlobs.ReadAsync(index, length - OffsetIndex.EntrySize, OffsetIndex.EntrySize, timeout.Token).ConfigureAwait(false);
                    var parsed = OffsetIndex.Parse(0, last.Data.Span, null);
                    if (parsed.Count > 0 && parsed.Last.Position >= entry.Position)
                    {
                        return (length, parsed.Last.Position); // a later entry is there already
                    }
                }

                try
                {
                    await SegmentBlobs.AppendAsync(index, OffsetIndex.Encode(entry), length, timeout.Token).ConfigureAwait(false);
                    return (length + OffsetIndex.EntrySize, entry.Position);
                }
                catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
                {
                    // Another writer added one: look again.
                }
            }
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException)
        {
            context.Logger.LogWarning(e, "Index entry for {TopicId}/{Partition} not written at location {Location}.", topicId, partition, location);
        }

        return null;
    }

    /// <summary>
    /// Makes <paramref name="target"/>'s copy of <paramref name="segment"/> hold the source's first
    /// <paramref name="end"/> bytes: appends what it lacks in whole, CRC-checked batches, then its index
    /// entries, and seals it when asked. Answers <see cref="CopyOutcome.Appended"/> when it does.
    /// <list type="bullet">
    /// <item>Whatever the copy already holds must be the source's bytes: the last <see cref="AgreementWindowBytes"/>
    /// before where the two overlap end are compared first. A copy that holds other bytes there holds another
    /// history (its storage went back and a writer then sequenced other blocks on it). With
    /// <paramref name="replaceDiverged"/> (catch-up: a copy out of the ISR, which no writer appends to) it is
    /// deleted, index too, and copied again whole; without (a roll, bringing in-sync copies up) it is left alone
    /// and answered <see cref="CopyOutcome.Diverged"/>, so that it leaves the ISR.</item>
    /// <item>A copy already longer than <paramref name="end"/> holds, past it, what a failed writer left beyond the
    /// committed end.</item>
    /// <item>A copy sealed short of a closed segment's end (<paramref name="seal"/>: a roller or a writer sealed it
    /// before the segment's last bytes reached it) holds a prefix of the committed bytes and nothing else, and no
    /// writer can append to it: it is replaced by a whole copy, so that the location can hold the segment again.
    /// A copy sealed short that cannot be replaced answers <see cref="CopyOutcome.Sealed"/>.</item>
    /// </list>
    /// </summary>
    public async Task<CopyOutcome> CopySegmentAsync(int source, int target, SegmentInfo segment, long end, bool seal, bool replaceDiverged, CancellationToken cancellationToken)
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
        if (position > 0 && !await AgreeAsync(source, target, segment.BlobName, Math.Min(position, end), cancellationToken).ConfigureAwait(false))
        {
            if (!replaceDiverged)
            {
                context.Logger.LogWarning("Location {Location}'s copy of {Segment} holds other bytes than location {Source}'s before byte {Position}: it has diverged.", target, segment.BlobName, source, Math.Min(position, end));
                return CopyOutcome.Diverged;
            }

            (position, isSealed) = await ReplaceDivergedAsync(source, target, segment.BlobName, Math.Min(position, end), cancellationToken).ConfigureAwait(false);
        }

        if (position < end && isSealed && seal && await SegmentBlobs.DeleteIfSealedShortAsync(blob, end, cancellationToken).ConfigureAwait(false))
        {
            context.Logger.LogWarning("Location {Location}'s copy of {Segment} was sealed at byte {Position}, short of {End}; it is copied again whole.", target, segment.BlobName, position, end);
            await to.CreateSegmentAsync(segment.BlobName, cancellationToken).ConfigureAwait(false);
            (position, isSealed) = (await SegmentBlobs.MeasureAsync(blob, cancellationToken).ConfigureAwait(false)) ?? (0, false);
        }

        if (position < end && isSealed)
        {
            context.Logger.LogError("Location {Location}'s copy of {Segment} is sealed at byte {Position}, short of {End}; it cannot rejoin.", target, segment.BlobName, position, end);
            return CopyOutcome.Sealed;
        }

        while (position < end)
        {
            var read = await SegmentBlobs.ReadAsync(from.Data(segment.BlobName), position, Math.Min(CopyChunkBytes, end - position), cancellationToken).ConfigureAwait(false);
            var where = $"{segment.BlobName} at location {source}, byte {position}";
            BatchScanner.Parse(read.Data, null, where, out var consumed);
            if (consumed == 0)
            {
                throw BatchScanner.Corrupt(where, new RecordBatchFormatException("No whole batch where the copy continues."));
            }

            try
            {
                await SegmentBlobs.AppendAsync(blob, read.Data[..consumed], position, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (StorageErrors.IsAppendPositionMismatch(e))
            {
                // Another copier (or a writer) appended first: carry on from where the copy ends now.
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

        return CopyOutcome.Appended;
    }

    /// <summary>
    /// Whether the two copies hold the same bytes in the <see cref="AgreementWindowBytes"/> before
    /// <paramref name="upTo"/>. Copies of one history that end at or past it do; a copy of another history (which
    /// starts where a copy's storage went back, at most a few seconds of writes before its end) does not: its
    /// batches there carry other records, CRCs and offsets.
    /// </summary>
    private async Task<bool> AgreeAsync(int source, int target, string blobName, long upTo, CancellationToken cancellationToken)
    {
        var from = Math.Max(0, upTo - AgreementWindowBytes);
        var reads = await Task.WhenAll(
            SegmentBlobs.ReadAsync(Location(source).Data(blobName), from, upTo - from, cancellationToken),
            SegmentBlobs.ReadAsync(Location(target).Data(blobName), from, upTo - from, cancellationToken)).ConfigureAwait(false);
        return reads[0].Data.Length == upTo - from && reads[0].Data.Span.SequenceEqual(reads[1].Data.Span);
    }

    /// <summary>Deletes a diverged copy (its data and its index, whose entries point into the other history) and starts it again empty.</summary>
    private async Task<(long Length, bool Sealed)> ReplaceDivergedAsync(int source, int target, string blobName, long before, CancellationToken cancellationToken)
    {
        context.Logger.LogWarning("Location {Location}'s copy of {Segment} holds other bytes than location {Source}'s before byte {Position} (another history): it is copied again whole.", target, blobName, source, before);
        var to = Location(target);
        await to.Data(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await to.Index(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await to.CreateSegmentAsync(blobName, cancellationToken).ConfigureAwait(false);
        return (await SegmentBlobs.MeasureAsync(to.Data(blobName), cancellationToken).ConfigureAwait(false)) ?? (0, false);
    }

    /// <summary>Creates a segment's blobs at one location within the replica lag limit; false when it does not answer.</summary>
    public async Task<bool> TryCreateAsync(int location, string blobName, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.ReplicaLagTimeMax);
        try
        {
            await Location(location).CreateSegmentAsync(blobName, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (IsUnavailable(e) || e is RequestFailedException))
        {
            context.Logger.LogWarning(e, "Location {Location} could not create {Segment}.", location, blobName);
            return false;
        }
    }

    /// <summary>A location that does not answer, or answers with a server error or throttling.</summary>
    public static bool IsUnavailable(Exception e) =>
        e is AggregateException or OperationCanceledException or TimeoutException or HttpRequestException or IOException
        || (e is RequestFailedException r && r.Status is 0 or 408 or 429 or >= 500);

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
            // Another copier wrote them: the index is a hint either way.
        }
    }

    /// <summary>
    /// Whether the copies at <paramref name="locations"/> (asked in order until one answers) hold exactly
    /// <paramref name="block"/> at <paramref name="position"/>: the first answer, or null when none answers.
    /// </summary>
    public async Task<bool?> HoldsAsync(IEnumerable<int> locations, string blobName, ReadOnlyMemory<byte> block, long position)
    {
        foreach (var location in locations)
        {
            using var timeout = new CancellationTokenSource(context.Options.ReplicaLagTimeMax);
            try
            {
                var read = await SegmentBlobs.ReadAsync(Location(location).Data(blobName), position, block.Length, timeout.Token).ConfigureAwait(false);
                return read.Data.Span.SequenceEqual(block.Span);
            }
            catch (Exception e) when (IsUnavailable(e) || e is RequestFailedException { Status: 404 })
            {
                context.Logger.LogInformation(e, "Location {Location} did not answer whether it holds a block of {Segment}.", location, blobName);
            }
        }

        return null;
    }

    /// <summary>Whether the copy holds exactly <paramref name="block"/> at <paramref name="position"/>.</summary>
    private async Task<bool> LandedAsync(AppendBlobClient blob, ReadOnlyMemory<byte> block, long position)
    {
        using var timeout = new CancellationTokenSource(context.Options.ReplicaLagTimeMax);
        try
        {
            var read = await SegmentBlobs.ReadAsync(blob, position, block.Length, timeout.Token).ConfigureAwait(false);
            return read.Data.Span.SequenceEqual(block.Span);
        }
        catch (Exception e) when (IsUnavailable(e) || e is RequestFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the copy at <paramref name="location"/>, <paramref name="length"/> bytes long, ends with the
    /// sequencer's bytes (its last <see cref="EndCheckBytes"/>, compared with what the view holds of them, or with
    /// the sequencer's copy): true for a copy of the sequencer's history that lags, false for one that holds another
    /// history there, null when a location does not answer. An empty copy holds no history yet.
    /// </summary>
    private async Task<bool?> EndsAsTheSequencersAsync(int location, WriterView view, long length)
    {
        if (length == 0)
        {
            return true;
        }

        var from = Math.Max(0, length - EndCheckBytes);
        var expected = view.BytesBetween(from, length) is { } held ? Task.FromResult<ReadOnlyMemory<byte>?>(held) : ReadSequencerAsync(view, from, length);
        var actual = ReadCopyAsync(location, view.Segment.BlobName, from, length);
        await Task.WhenAll(expected, actual).ConfigureAwait(false);
        return expected.Result is { } e && actual.Result is { } a ? e.Span.SequenceEqual(a.Span) : null;
    }

    /// <summary>One copy's bytes between two positions; null when it does not answer or is shorter.</summary>
    private async Task<ReadOnlyMemory<byte>?> ReadCopyAsync(int location, string blobName, long from, long to)
    {
        using var timeout = new CancellationTokenSource(context.Options.ReplicaLagTimeMax);
        try
        {
            var read = await SegmentBlobs.ReadAsync(Location(location).Data(blobName), from, to - from, timeout.Token).ConfigureAwait(false);
            return read.Data.Length == to - from ? read.Data : null;
        }
        catch (Exception e) when (IsUnavailable(e) || e is RequestFailedException)
        {
            return null;
        }
    }

    /// <summary>The sequencer's bytes between two positions this writer no longer holds; null when it does not answer.</summary>
    private Task<ReadOnlyMemory<byte>?> ReadSequencerAsync(WriterView view, long from, long to) => ReadCopyAsync(view.Sequencer, view.Segment.BlobName, from, to);

    /// <summary>Two byte ranges as one (the first alone when the second is empty).</summary>
    private static ReadOnlyMemory<byte> Join(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        if (second.IsEmpty)
        {
            return first;
        }

        var joined = new byte[first.Length + second.Length];
        first.CopyTo(joined);
        second.CopyTo(joined.AsMemory(first.Length));
        return joined;
    }

    /// <summary>Whole batches, at most one block each, so a long run of missing bytes goes in block-sized appends.</summary>
    private static IEnumerable<(long Position, ReadOnlyMemory<byte> Bytes)> Chunks(ReadOnlyMemory<byte> bytes, long position)
    {
        var start = 0;
        var at = 0;
        while (at < bytes.Length)
        {
            RecordBatch.TryReadHeader(bytes.Span[at..], out var header);
            var size = Math.Max(header.TotalSize, 1);
            if (at > start && at + size - start > CopyChunkBytes)
            {
                yield return (position + start, bytes[start..at]);
                start = at;
            }

            at = Math.Min(bytes.Length, at + size);
        }

        if (at > start)
        {
            yield return (position + start, bytes[start..at]);
        }
    }
}

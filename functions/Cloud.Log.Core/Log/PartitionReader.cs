using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Log;

/// <summary>
/// The read side of one partition on this instance: fetches, the high watermark, offset lookups, and the
/// scan of the log a writer rebuilds producer state from. A fetch costs a bounded number of storage reads:
/// at most one table query for the segment list, one read of the segment's offset index (cached once the
/// segment is closed), and one range read that starts at most one index interval before the wanted offset.
/// Reads go to the leader replica's copy; when it does not answer, the state row is read again and another
/// in-sync copy serves. A closed segment is read only up to its committed size.
/// <para>
/// It owns its own mutable state (the tail probe, the read cursors, the closed segments' indexes), reads
/// what the writer publishes only through <see cref="PartitionTail"/>, and takes the segment list and
/// replica view from <see cref="PartitionLog"/>; it never touches the writer's state. Thread-safe.
/// </para>
/// </summary>
internal sealed class PartitionReader : IDisposable
{
    private const int MinimumReadBytes = 64 * 1024;

    /// <summary>Bytes read per storage read while a writer rebuilds producer state from the log.</summary>
    private const int ProducerScanReadBytes = 4 * 1024 * 1024;

    /// <summary>How many read positions a partition remembers (one per consumer reading it, near enough).</summary>
    private const int MaxReadCursors = 64;

    private readonly LogContext _context;
    private readonly PartitionLog _log;
    private readonly SegmentCopies _copies;
    private readonly PartitionTail _tail;

    private readonly SemaphoreSlim _probeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, OffsetIndex> _closedIndexes = new(StringComparer.Ordinal);
    private TailProbe? _probe;
    private long _lastProbeStartedAt;
    private long _lastProbeResult;

    /// <summary>Fetches left that look at the tail beside their reads, since the last one whose reads could not answer the high watermark.</summary>
    private int _probesBesideReads;

    /// <summary>
    /// Where the last reads of each segment ended: (segment blob, next offset) → byte position. A consumer's next
    /// fetch starts there, so it is one range read of what it asked for, with no index read and no bytes before it.
    /// </summary>
    private readonly ConcurrentDictionary<(string Blob, long Offset), long> _readCursors = new();

    public PartitionReader(LogContext context, PartitionLog log, SegmentCopies copies, PartitionTail tail)
    {
        _context = context;
        _log = log;
        _copies = copies;
        _tail = tail;
    }

    public void Dispose() => _probeLock.Dispose();

    /// <summary>
    /// The high watermark as of now: the length of the leader replica's copy, which every writer writes last,
    /// so an acknowledged record is never hidden (whichever instance wrote it) and nothing uncommitted is shown.
    /// </summary>
    public Task<long> GetHighWatermarkAsync(CancellationToken cancellationToken) => ProbeTailAsync(cancellationToken);

    /// <summary>The log start offset from the replica view (read again when <paramref name="refresh"/>, or when it is old).</summary>
    public async Task<long> GetLogStartOffsetAsync(CancellationToken cancellationToken, bool refresh = false) =>
        (await _log.GetReplicaViewAsync(cancellationToken, refresh).ConfigureAwait(false)).LogStartOffset;

    /// <summary>Reads records from <paramref name="offset"/> (the log start when null), waiting up to <paramref name="maxWait"/> at the tail.</summary>
    public async Task<FetchResult> FetchAsync(long? offset, int maxRecords, int maxBytes, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var (from, highWatermark, logStart, answered) = await StartFetchAsync(offset, maxWait, cancellationToken).ConfigureAwait(false);
        var sighting = answered is null ? new TailSighting() : null;
        List<ConsumerRecord> records = [];
        var next = from;
        if (from < highWatermark)
        {
            try
            {
                (records, next) = await ReadRecordsAsync(from, highWatermark, maxRecords, maxBytes, sighting, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                throw await SegmentGoneAsync(from, highWatermark, cancellationToken).ConfigureAwait(false);
            }
        }

        return new FetchResult(records, next, await AnsweredAsync(answered, sighting, cancellationToken).ConfigureAwait(false), logStart);
    }

    /// <summary>Reads whole batches, as stored, from the one holding <paramref name="offset"/>; no record is decoded.</summary>
    public async Task<FetchedBatches> FetchBatchesAsync(long? offset, int maxRecords, int maxBytes, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var (from, highWatermark, logStart, answered) = await StartFetchAsync(offset, maxWait, cancellationToken).ConfigureAwait(false);
        var sighting = answered is null ? new TailSighting() : null;
        List<StoredBatch> batches = [];
        var next = from;
        var buffers = new FetchBuffers();
        try
        {
            if (from < highWatermark)
            {
                try
                {
                    (batches, next) = await ReadStoredBatchesAsync(from, highWatermark, maxRecords, maxBytes, buffers, sighting, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    throw await SegmentGoneAsync(from, highWatermark, cancellationToken).ConfigureAwait(false);
                }
            }

            var answeredHighWatermark = await AnsweredAsync(answered, sighting, cancellationToken).ConfigureAwait(false);
            return new FetchedBatches(batches.Select(b => b.Bytes).ToList(), next, answeredHighWatermark, logStart) { Buffers = buffers };
        }
        catch
        {
            buffers.Return(); // nothing will read what was read
            throw;
        }
    }

    /// <summary>
    /// Applies every idempotent batch of the committed log from <paramref name="from"/> (the log start when it is
    /// before it, or unknown) to <paramref name="to"/>, for a writer rebuilding producer state.
    /// </summary>
    public async Task ScanProducersAsync(ProducerStateMap producers, long from, long to, long now, CancellationToken cancellationToken)
    {
        var logStart = await GetLogStartOffsetAsync(cancellationToken, refresh: from < 0).ConfigureAwait(false);
        var offset = Math.Max(from, logStart);
        while (offset < to)
        {
            // Only the headers are kept: each read's buffer goes back to the pool before the next read.
            var buffers = new FetchBuffers();
            try
            {
                var (batches, skipTo, _) = _tail.Cache.From(offset) is { } cached
                    ? (cached, offset, false)
                    : await ReadBatchesFromStorageAsync(offset, new AnswerBudget(to, int.MaxValue, ProducerScanReadBytes), buffers, null, cancellationToken).ConfigureAwait(false);
                if (batches.Count == 0)
                {
                    if (skipTo > offset)
                    {
                        offset = skipTo;
                        continue;
                    }

                    break;
                }

                foreach (var batch in batches.Where(b => b.NextOffset > offset && b.BaseOffset < to && b.Header.Producer is not null))
                {
                    producers.Apply(batch.Header, now);
                }

                offset = batches[^1].NextOffset;
            }
            finally
            {
                buffers.Return();
            }
        }
    }

    /// <summary>
    /// The fetch's start (the log start when null) checked against both bounds, after waiting at the tail; the
    /// high watermark to read up to; and the one to answer with. Below a high watermark already seen, records
    /// are committed and never change: a reader catching up reads them at once, while the tail is probed in
    /// parallel for the answer, so the answer never names an older high watermark than one acknowledged before
    /// the fetch began, on any instance. No look at the tail is started (Answered is null) when the fetch's own
    /// reads may tell the high watermark instead (<see cref="MayAnswerFromReads"/>).
    /// </summary>
    private async Task<(long From, long HighWatermark, long LogStart, Task<long>? Answered)> StartFetchAsync(long? offset, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var logStart = await GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
        var known = _tail.KnownHighWatermark;
        if (offset is { } asked && asked >= logStart && asked < known)
        {
            return (asked, known, logStart, MayAnswerFromReads(asked) ? null : GetHighWatermarkAsync(cancellationToken));
        }

        var highWatermark = await GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
        var from = offset ?? logStart;
        if (from < logStart || from > highWatermark)
        {
            throw OutOfRange(from, logStart, highWatermark);
        }

        if (from == highWatermark && maxWait > TimeSpan.Zero)
        {
            highWatermark = await WaitForRecordsAsync(from, maxWait, cancellationToken).ConfigureAwait(false);
        }

        return (from, highWatermark, logStart, Task.FromResult(highWatermark));
    }

    /// <summary>A segment went away under a read: retention moved the log start past the offset.</summary>
    private async Task<CloudLogException> SegmentGoneAsync(long from, long highWatermark, CancellationToken cancellationToken)
    {
        var logStart = await GetLogStartOffsetAsync(cancellationToken, refresh: true).ConfigureAwait(false);
        return OutOfRange(from, logStart, highWatermark);
    }

    /// <summary>The first offset whose record timestamp is at or after <paramref name="timestamp"/>, or null.</summary>
    public async Task<OffsetLookup> FindOffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken)
    {
        var highWatermark = await GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
        var logStart = await GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
        var segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var segment in segments.Where(s => !s.IsEmpty))
        {
            if (segment.IsClosed && (segment.EndOffset <= logStart || segment.MaxTimestamp < timestamp))
            {
                continue;
            }

            var found = await OnSomeCopyAsync(
                (location, token) => FindInSegmentAsync(location, segment, timestamp, logStart, highWatermark, token),
                cancellationToken).ConfigureAwait(false);
            if (found is not null)
            {
                return found;
            }
        }

        return new OffsetLookup(null, null);
    }

    /// <summary>Searches one segment's copy; null when no record of it qualifies.</summary>
    private async Task<OffsetLookup?> FindInSegmentAsync(int location, SegmentInfo segment, long timestamp, long logStart, long highWatermark, CancellationToken cancellationToken)
    {
        var index = await GetIndexAsync(location, segment, cancellationToken).ConfigureAwait(false);
        var entry = index.FloorForTimestamp(timestamp);
        var position = entry.Position;
        long? expected = entry.Offset;
        var chunk = (long)_context.Options.IndexIntervalBytes * 2;
        while (true)
        {
            var length = Clip(segment, position, chunk);
            if (length == 0)
            {
                return null; // the committed end of a closed segment
            }

            var read = await SegmentBlobs.ReadAsync(_context.Locations[location].Data(segment.BlobName), position, length, cancellationToken).ConfigureAwait(false);
            var batches = BatchScanner.Parse(read.Data, expected, $"{segment.BlobName} at byte {position}", out var consumed, segment.Compacted);
            foreach (var batch in batches)
            {
                if (batch.BaseOffset >= highWatermark)
                {
                    return new OffsetLookup(null, null);
                }

                if (batch.Header.MaxTimestamp < timestamp || batch.NextOffset <= logStart)
                {
                    continue;
                }

                var match = BatchScanner.Decode(batch).FirstOrDefault(r => r.Timestamp >= timestamp && r.Offset >= logStart && r.Offset < highWatermark);
                if (match is not null)
                {
                    return new OffsetLookup(match.Offset, match.Timestamp);
                }
            }

            if (consumed == 0)
            {
                // End of segment, or one batch larger than the chunk: read that batch whole.
                var size = BatchScanner.PeekSize(read.Data.Span, segment.BlobName);
                if (size is null || size <= read.Data.Length)
                {
                    return null;
                }

                chunk = size.Value;
                continue;
            }

            position += consumed;
            expected = batches[^1].NextOffset;
        }
    }

    private static CloudLogException OutOfRange(long offset, long logStart, long highWatermark) =>
        new(ErrorCode.OffsetOutOfRange, $"Offset {offset} is outside the log: {logStart} to {highWatermark}.")
        {
            LogStartOffset = logStart,
            HighWatermark = highWatermark,
        };

    /// <summary>A read length that stays inside a closed segment's committed bytes.</summary>
    private static long? Clip(SegmentInfo segment, long position, long? length) =>
        segment.SizeBytes is { } size ? Math.Max(0, Math.Min(length ?? long.MaxValue, size - position)) : length;

    private async Task<long> WaitForRecordsAsync(long offset, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = _context.Time.GetUtcNow() + maxWait;
        while (true)
        {
            var signal = _tail.AppendedSignal;
            var highWatermark = await GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
            var remaining = deadline - _context.Time.GetUtcNow();
            if (highWatermark > offset || remaining <= TimeSpan.Zero)
            {
                return highWatermark;
            }

            // This instance's writer signals each append; other instances' appends are found by polling storage.
            var poll = TimeSpan.FromTicks(Math.Min(remaining.Ticks, _context.Options.TailPollInterval.Ticks));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(poll, _context.Time, timeout.Token);
            await Task.WhenAny(signal, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Reads records from <paramref name="from"/> up to the limits: the batches <see cref="ReadStoredBatchesAsync"/>
    /// answers, decoded, without the records before <paramref name="from"/> and past <paramref name="maxRecords"/>.
    /// Answers them and the offset to read next: past the last record returned, and past any offsets compaction
    /// removed after it.
    /// </summary>
    private async Task<(List<ConsumerRecord> Records, long Next)> ReadRecordsAsync(long from, long highWatermark, int maxRecords, int maxBytes, TailSighting? sighting, CancellationToken cancellationToken)
    {
        // Records are slices of what was read, written out after this returns: these reads are not pooled.
        var (batches, next) = await ReadStoredBatchesAsync(from, highWatermark, maxRecords, maxBytes, null, sighting, cancellationToken).ConfigureAwait(false);
        var records = new List<ConsumerRecord>();
        foreach (var record in batches.SelectMany(BatchScanner.Decode).Where(r => r.Offset >= from && r.Offset < highWatermark))
        {
            if (records.Count == maxRecords)
            {
                return (records, record.Offset);
            }

            records.Add(record);
        }

        return (records, next);
    }

    /// <summary>
    /// Whole batches from the one holding <paramref name="from"/>: at least one, then more while they fit
    /// <paramref name="maxBytes"/> and hold fewer than <paramref name="maxRecords"/> records together.
    /// Answers them and the offset to read next.
    /// </summary>
    private async Task<(List<StoredBatch> Batches, long Next)> ReadStoredBatchesAsync(long from, long highWatermark, int maxRecords, int maxBytes, FetchBuffers? buffers, TailSighting? sighting, CancellationToken cancellationToken)
    {
        var result = new List<StoredBatch>();
        var budget = new AnswerBudget(highWatermark, maxRecords, maxBytes);
        var offset = from;
        while (budget.WantsMore(offset))
        {
            var (batches, skipTo, cut) = _tail.Cache.From(offset) is { } cached
                ? (cached, offset, false)
                : await ReadBatchesFromStorageAsync(offset, budget, buffers, sighting, cancellationToken).ConfigureAwait(false);
            var progressed = false;
            foreach (var batch in batches.Where(b => b.NextOffset > offset))
            {
                if (budget.StopsBefore(batch))
                {
                    RememberWhereReadingStopped(result);
                    return (result, offset);
                }

                result.Add(batch);
                budget = budget.Take(batch);
                offset = Math.Min(batch.NextOffset, highWatermark);
                progressed = true;
            }

            if (progressed && cut)
            {
                break; // the read, sized to what is left of maxBytes, cut the next batch: it does not fit
            }

            if (!progressed)
            {
                if (skipTo <= offset)
                {
                    break;
                }

                offset = Math.Min(skipTo, highWatermark); // a stretch compaction emptied: go on past it
            }
        }

        RememberWhereReadingStopped(result);
        return (result, offset);
    }

    /// <summary>
    /// The batches from the one holding <paramref name="offset"/> on, read from its segment: one range read
    /// from the nearest index entry, plus one more only when a batch is cut off by the read's end. When the
    /// segment holds nothing at or past the offset (compaction emptied its end), answers no batches and the
    /// segment's end, where reading goes on. A segment blob that disappeared (compaction replaced it) sends
    /// the read back to the segment list once.
    /// </summary>
    private async Task<(List<StoredBatch> Batches, long SkipTo, bool Cut)> ReadBatchesFromStorageAsync(long offset, AnswerBudget budget, FetchBuffers? buffers, TailSighting? sighting, CancellationToken cancellationToken)
    {
        var segments = _log.KnownSegments ?? await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var segment = segments.LastOrDefault(s => s.BaseOffset <= offset && !s.IsEmpty);
            if (attempt == 0 && (segment is null || (segment.IsClosed && offset >= segment.EndOffset)))
            {
                segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (segment is null)
            {
                throw new RequestFailedException(404, $"No segment holds offset {offset}.");
            }

            List<StoredBatch> batches;
            bool cut;
            try
            {
                (batches, cut) = await OnSomeCopyAsync((location, token) => ReadFromSegmentAsync(location, segment, offset, budget, buffers, sighting, token), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404 && attempt < 2)
            {
                segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (batches.Count > 0)
            {
                return (batches, offset, cut);
            }

            if (segment.IsClosed && segment.EndOffset > offset)
            {
                return ([], segment.EndOffset!.Value, false);
            }

            segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        }

        return ([], offset, false);
    }

    /// <summary>
    /// Reads one copy of a segment from where the previous read of <paramref name="offset"/> ended, else from the
    /// index entry before it; empty at the segment's end. Answers the whole batches read, and whether the read
    /// cut off a batch after them (so that batch is larger than what was left of the read). A read that goes on
    /// from the previous one takes the range read ahead for it, if any, and starts the read of the next range.
    /// With <paramref name="buffers"/>, the reads are pooled and the buffer the answered batches lie in joins them;
    /// a pooled read whose bytes are not answered goes back at once. What each read made here (not one read
    /// ahead for an earlier fetch) told of the copy goes to <paramref name="sighting"/>.
    /// </summary>
    private async Task<(List<StoredBatch> Batches, bool Cut)> ReadFromSegmentAsync(int location, SegmentInfo segment, long offset, AnswerBudget budget, FetchBuffers? buffers, TailSighting? sighting, CancellationToken cancellationToken)
    {
        var (maxBytes, highWatermark) = (budget.BytesLeft, budget.HighWatermark);
        long position;
        long? expected;
        long? length;
        var sequential = _readCursors.TryGetValue((segment.BlobName, offset), out var cursor);
        if (sequential)
        {
            (position, expected, length) = (cursor, offset, Math.Max(maxBytes, MinimumReadBytes));
        }
        else if (offset == segment.BaseOffset)
        {
            (position, expected, length) = (0, offset, Math.Max(maxBytes, MinimumReadBytes)); // the segment's first batch: no index needed
        }
        else
        {
            // From the index entry before the offset, as far past it as the batch holding the offset can lie.
            var (entry, before) = (await GetIndexAsync(location, segment, cancellationToken).ConfigureAwait(false)).Locate(offset);
            (position, expected, length) = (entry.Position, entry.Offset, (before ?? _context.Options.IndexIntervalBytes) + Math.Max(maxBytes, MinimumReadBytes));
        }

        var blob = _context.Locations[location].Data(segment.BlobName);
        while (true)
        {
            var clipped = Clip(segment, position, length);
            if (clipped == 0)
            {
                return ([], false);
            }

            var where = $"{segment.BlobName} at location {location}, byte {position}";
            var ahead = sequential ? await ClaimReadAheadAsync(location, segment.BlobName, position, clipped!.Value, cancellationToken).ConfigureAwait(false) : null;
            var pooled = buffers is not null;
            var read = ahead ?? await SegmentBlobs.ReadAsync(blob, position, clipped, cancellationToken, pooled).ConfigureAwait(false);
            var batches = BatchScanner.Parse(read.Data, expected, where, out var consumed, segment.Compacted);
            if (ahead is not null && read.Data.Length < clipped && !ReachesEnd(batches, segment, highWatermark))
            {
                // The copy ended sooner when the range was read ahead, and what was appended since is wanted too.
                SegmentBlobs.Return(read.Pooled);
                read = await SegmentBlobs.ReadAsync(blob, position, clipped, cancellationToken, pooled).ConfigureAwait(false);
                batches = BatchScanner.Parse(read.Data, expected, where, out consumed, segment.Compacted);
                ahead = null;
            }
            else if (ahead is not null)
            {
                _context.ReadAheads.CountServed();
            }

            if (ahead is null)
            {
                sighting?.Saw(segment, location, position + consumed, batches.Count > 0 ? batches[^1].NextOffset : expected, Task.FromResult<BlobState?>(new BlobState(read.BlobLength, read.IsSealed)));
            }

            var wanted = batches.FindIndex(b => b.NextOffset > offset);
            if (wanted >= 0)
            {
                // The next range is read from where this fetch's answer will end (which is before the read's end when
                // the fetch's records or bytes run out first), carrying what this read holds past it.
                var answered = budget.AnsweredBytes(batches, wanted);
                if (sequential && read.Data.Length == clipped && ReadAhead(location, segment, position + answered, clipped.Value, read.Data.Span[answered..]) is { } headers)
                {
                    sighting?.Saw(segment, location, position + consumed, batches[^1].NextOffset, headers);
                }

                // Batches lie back to back: each one's position, so the fetch can remember where it stopped.
                var at = position;
                var located = new List<StoredBatch>(batches.Count - wanted);
                for (var i = 0; i < batches.Count; i++)
                {
                    if (i >= wanted)
                    {
                        located.Add(batches[i] with { Blob = segment.BlobName, Position = at });
                    }

                    at += batches[i].Bytes.Length;
                }

                buffers?.Add(read.Pooled);
                return (located, consumed < read.Data.Length);
            }

            var size = BatchScanner.PeekSize(read.Data.Span[consumed..], where);
            var empty = read.Data.Length == 0;
            SegmentBlobs.Return(read.Pooled); // none of its batches is answered
            if (empty || (consumed == 0 && size is null))
            {
                return ([], false); // the end of this segment: the offset lies in a newer one
            }

            position += consumed;
            expected = batches.Count > 0 ? batches[^1].NextOffset : expected;
            length = Math.Max(size ?? RecordBatch.HeaderSize, MinimumReadBytes);
        }
    }

    /// <summary>The range read ahead for this place, cut to <paramref name="length"/>; null when none was started or it failed.</summary>
    private async Task<BlobRead?> ClaimReadAheadAsync(int location, string blobName, long position, long length, CancellationToken cancellationToken)
    {
        if (_context.ReadAheads.Take(location, blobName, position) is not { } pending
            || await pending.WaitAsync(cancellationToken).ConfigureAwait(false) is not { } read)
        {
            return null;
        }

        return read.Data.Length > length ? read with { Data = read.Data[..(int)length] } : read;
    }

    /// <summary>
    /// Starts reading the range after a sequential read's answer, as long as the read just made, so the consumer's
    /// next fetch finds it read or on its way. <paramref name="carried"/> is what the read holds from
    /// <paramref name="position"/> (where the fetch's answer ends) on: the batches the fetch leaves for the next one,
    /// when its records or bytes ran out first, and the start of a batch the read cut. Those bytes go to the head of
    /// the read ahead, which reads on from where the read ended, so no byte is read from storage twice (a reader of
    /// batches as large as its reads would otherwise read a third of its bytes twice, and a reader of fewer records
    /// than a read holds would read most of them again). Nothing is started past a closed segment's committed end.
    /// Answers the blob's state as that read's headers will tell it, when this call started it (else null).
    /// </summary>
    private Task<BlobState?>? ReadAhead(int location, SegmentInfo segment, long position, long length, ReadOnlySpan<byte> carried)
    {
        var clipped = Clip(segment, position, length) ?? length;
        if (clipped <= carried.Length || _context.Options.ReadAheadBytes <= 0)
        {
            return null; // nothing left to read here (the read reached the closed segment's end), or no reading ahead
        }

        var headers = new TaskCompletionSource<BlobState?>(TaskCreationOptions.RunContinuationsAsynchronously);

        // What is left to read starts where the read ended.
        var data = _context.Locations[location].Data(segment.BlobName);
        var (after, rest, count) = (position + carried.Length, clipped - carried.Length, carried.Length);
        var buffer = SegmentBlobs.RentCarrying(carried, rest);
        var started = _context.ReadAheads.Start(location, segment.BlobName, position, clipped, token => SegmentBlobs.ReadAfterAsync(data, buffer, count, after, rest, headers, token));
        if (!started)
        {
            SegmentBlobs.Return(buffer);
        }

        return started ? headers.Task : null;
    }

    /// <summary>Whether the batches read reach what a fetch could want of this segment: the high watermark, or the segment's end.</summary>
    private static bool ReachesEnd(List<StoredBatch> batches, SegmentInfo segment, long highWatermark) =>
        batches.Count > 0 && batches[^1].NextOffset >= Math.Min(highWatermark, segment.EndOffset ?? long.MaxValue);

    /// <summary>Remembers where the last batch of a fetch ends in its segment, so that the next fetch starts right there.</summary>
    private void RememberWhereReadingStopped(List<StoredBatch> result)
    {
        if (result.Count > 0 && result[^1] is { Blob: { } blob } last)
        {
            RememberCursor(blob, last.NextOffset, last.Position + last.Bytes.Length);
        }
    }

    private void RememberCursor(string blob, long nextOffset, long position)
    {
        if (_readCursors.Count >= MaxReadCursors)
        {
            _readCursors.Clear(); // many readers at many places: start over rather than track them all
        }

        _readCursors[(blob, nextOffset)] = position;
    }

    /// <summary>
    /// Runs a read on the leader's copy; when that location does not answer, reads the state row again and
    /// tries the other in-sync copies (every in-sync copy holds every committed byte).
    /// </summary>
    private async Task<T> OnSomeCopyAsync<T>(Func<int, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var view = await _log.GetReplicaViewAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await read(view.Leader, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception first) when (!cancellationToken.IsCancellationRequested && (IsUnavailable(first) || IsMissing(first)))
        {
            // A copy that does not answer, or lost the blob (its storage was wiped), is an unavailable copy: every
            // other in-sync copy holds the same committed bytes. Only when every copy lacks it is the blob gone
            // (retention or compaction removed it), and the caller finds out why.
            var failed = view.Leader;
            view = await _log.GetReplicaViewAsync(cancellationToken, refresh: true).ConfigureAwait(false);
            var missing = IsMissing(first);
            foreach (var location in view.Isr.OrderBy(l => l == failed ? 1 : l == view.Leader ? 0 : 1))
            {
                try
                {
                    return await read(location, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && (IsUnavailable(e) || IsMissing(e)))
                {
                    first = e;
                    missing &= IsMissing(e);
                }
            }

            throw missing || first is RequestFailedException ? first : new RequestFailedException(503, "No in-sync replica answers.", first);
        }
    }

    private static bool IsMissing(Exception e) => e is RequestFailedException { Status: 404 };

    /// <summary>A location that does not answer, or answers with a server error.</summary>
    private static bool IsUnavailable(Exception e) =>
        e is AggregateException or OperationCanceledException || (e is RequestFailedException r && r.Status is 0 or 408 or >= 500);

    private async Task<OffsetIndex> GetIndexAsync(int location, SegmentInfo segment, CancellationToken cancellationToken)
    {
        if (_closedIndexes.TryGetValue(segment.BlobName, out var cached))
        {
            return cached;
        }

        var index = await _copies.ReadIndexAsync(location, segment, cancellationToken).ConfigureAwait(false);
        if (segment.IsClosed)
        {
            _closedIndexes[segment.BlobName] = index; // a closed segment's blob never changes (compaction writes a new one)
        }

        return index;
    }

    /// <summary>
    /// Whether a fetch at <paramref name="offset"/> (below the known high watermark) may leave the look at the
    /// tail out and answer from its own reads: it reads the active segment, which this reader has looked at
    /// before, and no recent fetch found the copy's end moved (that has the next fetches look at the tail beside
    /// their reads again, as a partition being written would have them wait for a look after their reads every
    /// time).
    /// </summary>
    private bool MayAnswerFromReads(long offset)
    {
        if (Volatile.Read(ref _probesBesideReads) > 0)
        {
            Interlocked.Decrement(ref _probesBesideReads);
            return false;
        }

        return Volatile.Read(ref _probe) is { } probe
            && _log.KnownSegments is { Count: > 0 } segments
            && segments[^1] is { IsClosed: false } active
            && active.RowKey == probe.Segment.RowKey
            && offset >= active.BaseOffset;
    }

    /// <summary>
    /// The high watermark a fetch answers: the look at the tail started beside its reads, or, when none was,
    /// what its reads told (<see cref="HighWatermarkFromReadsAsync"/>), or else a look at the tail now.
    /// </summary>
    private async Task<long> AnsweredAsync(Task<long>? answered, TailSighting? sighting, CancellationToken cancellationToken)
    {
        if (answered is not null)
        {
            return await answered.ConfigureAwait(false);
        }

        var (seen, moved) = sighting is null ? (null, false) : await HighWatermarkFromReadsAsync(sighting, cancellationToken).ConfigureAwait(false);
        if (seen is { } highWatermark)
        {
            _context.TailLooks.CountAnsweredFromReads();
            return highWatermark;
        }

        if (moved)
        {
            // The copy's end had moved past the last look: a partition being written, where the next fetches would
            // wait for a look after their reads every time, so they look beside their reads for a while.
            Volatile.Write(ref _probesBesideReads, ProbesBesideReadsAfterAMiss);
        }

        return await GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fetches that look at the tail beside their reads after one whose reads found the copy's end moved.</summary>
    private const int ProbesBesideReadsAfterAMiss = 8;

    /// <summary>
    /// The high watermark as a fetch's own reads told it, or null. Each of those reads started after the fetch
    /// began, so what it told of the leader's copy of the active segment is as fresh as a look at the tail made
    /// then: every writer writes that copy last, and it is sealed before another segment or leader takes over.
    /// So when the read was of the unsealed leader copy (per the replica view and segment list a look at the tail
    /// would use, within the reader view lease), and
    /// the copy's length was where its whole batches ended, the offset after them is the high watermark; when
    /// the length was where the last look at the tail stopped, that look's next offset is. Answers too whether
    /// a read found the copy's end elsewhere (it moved since the last look).
    /// </summary>
    private async Task<(long? HighWatermark, bool Moved)> HighWatermarkFromReadsAsync(TailSighting sighting, CancellationToken cancellationToken)
    {
        var moved = false;
        foreach (var sight in sighting.Latest)
        {
            if (await sight.State.WaitAsync(cancellationToken).ConfigureAwait(false) is not { IsSealed: false } state)
            {
                continue;
            }

            long highWatermark;
            if (sight.EndNextOffset is { } end && sight.End == state.Length)
            {
                highWatermark = end;
            }
            else if (Volatile.Read(ref _probe) is { } probe && probe.Segment.RowKey == sight.Segment.RowKey && probe.Segment.BlobName == sight.Segment.BlobName && probe.Position == state.Length)
            {
                highWatermark = probe.NextOffset;
            }
            else
            {
                moved = true;
                continue;
            }

            // The view must be one a look at the tail would use: younger than the reader view lease, and naming
            // this segment as the active one and this copy as the leader's (docs/replication.md, "Readers after a roll").
            var (view, segments) = await _log.GetReadViewAsync(cancellationToken).ConfigureAwait(false);
            if (sight.Location != view.Leader || segments.Count == 0 || segments[^1].IsClosed || segments[^1].RowKey != sight.Segment.RowKey)
            {
                continue;
            }

            AdvanceProbe(sight.Segment, state.Length, highWatermark);
            _tail.Raise(highWatermark);
            return (Math.Max(highWatermark, _tail.KnownHighWatermark), false);
        }

        return (null, moved);
    }

    /// <summary>Moves the tail probe's start to where a fetch's read found the leader copy's end, unless a probe runs now.</summary>
    private void AdvanceProbe(SegmentInfo segment, long position, long nextOffset)
    {
        if (!_probeLock.Wait(0))
        {
            return;
        }

        try
        {
            if (_probe is null || (_probe.Segment.RowKey == segment.RowKey && _probe.Position < position))
            {
                _probe = new TailProbe(segment, position, nextOffset);
            }
        }
        finally
        {
            _probeLock.Release();
        }
    }

    /// <summary>
    /// Reads what was appended to the leader's copy of the active segment since this instance last looked, so
    /// a fetch here sees every record acknowledged anywhere before it started. The state row and the segment list
    /// are read again first when this instance read them longer ago than the reader view lease. Concurrent
    /// callers share one probe when it started after they asked.
    /// </summary>
    private async Task<long> ProbeTailAsync(CancellationToken cancellationToken)
    {
        var askedAt = Stopwatch.GetTimestamp();
        await _probeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Interlocked.Read(ref _lastProbeStartedAt) > askedAt)
            {
                return Math.Max(Interlocked.Read(ref _lastProbeResult), _tail.KnownHighWatermark);
            }

            // Only a probe that succeeded answers the callers that queued behind it: a failed or cancelled one
            // leaves them to probe themselves, never to take an older result.
            var startedAt = Stopwatch.GetTimestamp();
            var result = await ReadLeaderTailAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _lastProbeResult, result);
            Interlocked.Exchange(ref _lastProbeStartedAt, startedAt);
            _tail.Raise(result);

            // Never answer below what is known committed (this instance's writer may be ahead of a probe that started earlier).
            return Math.Max(result, _tail.KnownHighWatermark);
        }
        finally
        {
            _probeLock.Release();
        }
    }

    private async Task<long> ReadLeaderTailAsync(CancellationToken cancellationToken)
    {
        // The replica view and segment list may be a little old (at most the reader view lease): the leader changes
        // only with a roll, which seals the copy read here (then both are read again) or, where a copy did not
        // answer, holds its acknowledgements until every such view has expired; a leader that went away fails the
        // read (then both are read again).
        var (view, segments) = await _log.GetReadViewAsync(cancellationToken).ConfigureAwait(false);
        for (var hop = 0; ; hop++)
        {
            var last = segments.LastOrDefault(s => !s.IsEmpty || !s.IsClosed);
            if (last is null)
            {
                return view.LogStartOffset;
            }

            if (last.IsClosed)
            {
                return last.EndOffset!.Value; // closed with no successor yet: a roll in progress
            }

            if (_tail.CommittedEnd is { } written && written.Segment.RowKey == last.RowKey && (_probe is null || _probe.Segment.RowKey != last.RowKey || _probe.Position < written.Position))
            {
                _probe = written with { Segment = last }; // where this instance's writer left the leader copy
            }
            else if (_probe is null || _probe.Segment.RowKey != last.RowKey)
            {
                var index = await _copies.ReadIndexAsync(view.Leader, last, cancellationToken).ConfigureAwait(false);
                _probe = new TailProbe(last, index.Last.Position, index.Last.Offset);
            }

            BlobRead read;
            try
            {
                read = await SegmentBlobs.ReadAsync(_context.Locations[view.Leader].Data(last.BlobName), _probe.Position, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (IsUnavailable(e) || IsMissing(e)) && hop < 2)
            {
                view = await _log.GetReplicaViewAsync(cancellationToken, refresh: true).ConfigureAwait(false);
                segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
                _probe = null;
                continue;
            }

            var where = $"{last.BlobName} at location {view.Leader}, byte {_probe.Position}";
            var batches = BatchScanner.Parse(read.Data, _probe.NextOffset, where, out var consumed);
            if (consumed != read.Data.Length)
            {
                throw BatchScanner.Corrupt(where, new RecordBatchFormatException($"{read.Data.Length - consumed} bytes at the tail are not a whole batch."));
            }

            if (!read.IsSealed)
            {
                // A sealed copy may hold bytes past its segment's committed end: those are never cached.
                _tail.Cache.Add(batches);
            }

            _probe = _probe with
            {
                Position = _probe.Position + consumed,
                NextOffset = batches.Count > 0 ? batches[^1].NextOffset : _probe.NextOffset,
            };
            if (!read.IsSealed || hop >= 3)
            {
                return _probe.NextOffset;
            }

            // Sealed: the segment was closed (a roll, or a new leader fenced it) and its committed end may be
            // shorter than this copy; the next segment holds what follows.
            var stateRead = _log.GetReplicaViewAsync(cancellationToken, refresh: true);
            segments = await _log.LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
            view = await stateRead.ConfigureAwait(false);
            var closed = segments.FirstOrDefault(s => s.RowKey == last.RowKey);
            if (closed?.EndOffset is { } end && segments[^1].RowKey == last.RowKey)
            {
                return end;
            }

            if (segments.Count == 0 || segments[^1].RowKey == last.RowKey)
            {
                return _probe.NextOffset;
            }
        }
    }
}

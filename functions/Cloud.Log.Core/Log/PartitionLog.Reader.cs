using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Log;

/// <summary>
/// The read side. A fetch costs a bounded number of storage reads: at most one table query for the
/// segment list, one read of the segment's offset index (cached once the segment is closed), and one
/// range read that starts at most one index interval before the wanted offset.
/// </summary>
internal sealed partial class PartitionLog
{
    private const int MinimumReadBytes = 64 * 1024;

    private readonly SemaphoreSlim _probeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, OffsetIndex> _closedIndexes = new();
    private TailProbe? _probe;
    private long _lastProbeStartedAt;
    private long _lastProbeResult;
    private (long Value, DateTimeOffset LoadedAt)? _logStart;

    /// <summary>
    /// The high watermark as of now: from the local leader while its lease holds (no other instance can
    /// append then), else read from storage, so an acknowledged record is never hidden.
    /// </summary>
    public async Task<long> GetHighWatermarkAsync(CancellationToken cancellationToken)
    {
        var view = _leaderView;
        if (view is not null && _context.Time.GetUtcNow() < view.TrustedUntil)
        {
            return view.LogEnd;
        }

        return await ProbeTailAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> GetLogStartOffsetAsync(CancellationToken cancellationToken, bool refresh = false)
    {
        var cached = _logStart;
        if (!refresh && cached is { } c && _context.Time.GetUtcNow() - c.LoadedAt < _context.Options.MetadataCacheTtl)
        {
            return c.Value;
        }

        var value = await LoadLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
        _logStart = (value, _context.Time.GetUtcNow());
        return value;
    }

    /// <summary>Reads records from <paramref name="offset"/> (the log start when null), waiting up to <paramref name="maxWait"/> at the tail.</summary>
    public async Task<FetchResult> FetchAsync(long? offset, int maxRecords, int maxBytes, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var logStart = await GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
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

        List<ConsumerRecord> records = [];
        if (from < highWatermark)
        {
            try
            {
                records = await ReadRecordsAsync(from, highWatermark, maxRecords, maxBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // The segment went away under us: retention moved the log start past the offset.
                logStart = await GetLogStartOffsetAsync(cancellationToken, refresh: true).ConfigureAwait(false);
                throw OutOfRange(from, logStart, highWatermark);
            }
        }

        var next = records.Count > 0 ? records[^1].Offset + 1 : from;
        return new FetchResult(records, next, highWatermark, logStart);
    }

    /// <summary>The first offset whose record timestamp is at or after <paramref name="timestamp"/>, or null.</summary>
    public async Task<OffsetLookup> FindOffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken)
    {
        var highWatermark = await GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
        var logStart = await GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
        var segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var segment in segments)
        {
            if (segment.IsClosed && (segment.EndOffset <= logStart || segment.MaxTimestamp < timestamp))
            {
                continue;
            }

            var index = await GetIndexAsync(segment, cancellationToken).ConfigureAwait(false);
            var entry = index.FloorForTimestamp(timestamp);
            var position = entry.Position;
            long? expected = entry.Offset;
            var chunk = (long)_context.Options.IndexIntervalBytes * 2;
            while (true)
            {
                var read = await SegmentBlobs.ReadAsync(_blobs.Data(segment.BlobName), position, chunk, cancellationToken).ConfigureAwait(false);
                var batches = BatchScanner.Parse(read.Data, expected, $"{segment.BlobName} at byte {position}", out var consumed);
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

                    var match = Decode(batch).FirstOrDefault(r => r.Timestamp >= timestamp && r.Offset >= logStart && r.Offset < highWatermark);
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
                        break;
                    }

                    chunk = size.Value;
                    continue;
                }

                position += consumed;
                expected = batches[^1].NextOffset;
            }
        }

        return new OffsetLookup(null, null);
    }

    private static CloudLogException OutOfRange(long offset, long logStart, long highWatermark) =>
        new(ErrorCode.OffsetOutOfRange, $"Offset {offset} is outside the log: {logStart} to {highWatermark}.")
        {
            LogStartOffset = logStart,
            HighWatermark = highWatermark,
        };

    private static IReadOnlyList<ConsumerRecord> Decode(StoredBatch batch)
    {
        try
        {
            return RecordBatch.DecodeRecords(batch.Bytes);
        }
        catch (RecordBatchFormatException e)
        {
            throw BatchScanner.Corrupt($"the batch at offset {batch.BaseOffset}", e);
        }
    }

    private async Task<long> WaitForRecordsAsync(long offset, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = _context.Time.GetUtcNow() + maxWait;
        while (true)
        {
            var signal = AppendedSignal;
            var highWatermark = await GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
            var remaining = deadline - _context.Time.GetUtcNow();
            if (highWatermark > offset || remaining <= TimeSpan.Zero)
            {
                return highWatermark;
            }

            // A local leader signals each append; otherwise poll storage.
            var localLeader = _leaderView is { } view && _context.Time.GetUtcNow() < view.TrustedUntil;
            var poll = localLeader ? remaining : TimeSpan.FromTicks(Math.Min(remaining.Ticks, _context.Options.TailPollInterval.Ticks));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(poll, _context.Time, timeout.Token);
            await Task.WhenAny(signal, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<List<ConsumerRecord>> ReadRecordsAsync(long from, long highWatermark, int maxRecords, int maxBytes, CancellationToken cancellationToken)
    {
        var result = new List<ConsumerRecord>();
        long bytes = 0;
        var offset = from;
        while (offset < highWatermark && result.Count < maxRecords)
        {
            var batches = _cache.From(offset) ?? await ReadBatchesFromStorageAsync(offset, maxBytes, cancellationToken).ConfigureAwait(false);
            var progressed = false;
            foreach (var batch in batches)
            {
                if (batch.NextOffset <= offset)
                {
                    continue;
                }

                // Kafka's rule: the first batch is returned even when it alone exceeds maxBytes.
                if (batch.BaseOffset >= highWatermark || (result.Count > 0 && bytes + batch.Bytes.Length > maxBytes))
                {
                    return result;
                }

                foreach (var record in Decode(batch))
                {
                    if (record.Offset < offset)
                    {
                        continue;
                    }

                    if (record.Offset >= highWatermark || result.Count >= maxRecords)
                    {
                        return result;
                    }

                    result.Add(record);
                }

                bytes += batch.Bytes.Length;
                offset = batch.NextOffset;
                progressed = true;
            }

            if (!progressed)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// The batches from the one holding <paramref name="offset"/> on, read from its segment: one range read
    /// from the nearest index entry, plus one more only when a batch is cut off by the read's end.
    /// </summary>
    private async Task<List<StoredBatch>> ReadBatchesFromStorageAsync(long offset, int maxBytes, CancellationToken cancellationToken)
    {
        var segments = _segments ?? await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var segment = segments.LastOrDefault(s => s.BaseOffset <= offset);
            if (attempt == 0 && (segment is null || (segment.IsClosed && offset >= segment.EndOffset)))
            {
                segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (segment is null)
            {
                throw new RequestFailedException(404, $"No segment holds offset {offset}.");
            }

            var index = await GetIndexAsync(segment, cancellationToken).ConfigureAwait(false);
            var entry = index.Floor(offset);
            var position = entry.Position;
            long? expected = entry.Offset;
            var length = (long)_context.Options.IndexIntervalBytes + Math.Max(maxBytes, MinimumReadBytes);
            var blob = _blobs.Data(segment.BlobName);
            while (true)
            {
                var read = await SegmentBlobs.ReadAsync(blob, position, length, cancellationToken).ConfigureAwait(false);
                var where = $"{segment.BlobName} at byte {position}";
                var batches = BatchScanner.Parse(read.Data, expected, where, out var consumed);
                var wanted = batches.FindIndex(b => b.NextOffset > offset);
                if (wanted >= 0)
                {
                    return batches.GetRange(wanted, batches.Count - wanted);
                }

                var size = BatchScanner.PeekSize(read.Data.Span[consumed..], where);
                if (read.Data.Length == 0 || (consumed == 0 && size is null))
                {
                    break; // the end of this segment: the offset lies in a newer one
                }

                position += consumed;
                expected = batches.Count > 0 ? batches[^1].NextOffset : expected;
                length = Math.Max(size ?? RecordBatch.HeaderSize, MinimumReadBytes);
            }

            segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        }

        return [];
    }

    private async Task<OffsetIndex> GetIndexAsync(SegmentInfo segment, CancellationToken cancellationToken)
    {
        if (_closedIndexes.TryGetValue(segment.BaseOffset, out var cached))
        {
            return cached;
        }

        var index = await ReadIndexAsync(segment, cancellationToken).ConfigureAwait(false);
        if (segment.IsClosed)
        {
            _closedIndexes[segment.BaseOffset] = index; // a closed segment's index never changes
        }

        return index;
    }

    /// <summary>
    /// Reads what was appended to the active segment since this instance last looked, so a fetch here sees
    /// every record acknowledged anywhere before it started. Concurrent callers share one probe when it
    /// started after they asked.
    /// </summary>
    private async Task<long> ProbeTailAsync(CancellationToken cancellationToken)
    {
        var askedAt = Stopwatch.GetTimestamp();
        await _probeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Interlocked.Read(ref _lastProbeStartedAt) > askedAt)
            {
                return _lastProbeResult;
            }

            Interlocked.Exchange(ref _lastProbeStartedAt, Stopwatch.GetTimestamp());
            _lastProbeResult = await ReadTailAsync(cancellationToken).ConfigureAwait(false);
            return _lastProbeResult;
        }
        finally
        {
            _probeLock.Release();
        }
    }

    private async Task<long> ReadTailAsync(CancellationToken cancellationToken)
    {
        var segments = _segments is { Count: > 0 } known && !known[^1].IsClosed
            ? known
            : await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
        for (var hop = 0; ; hop++)
        {
            if (segments.Count == 0)
            {
                return await GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
            }

            var last = segments[^1];
            if (last.IsClosed)
            {
                return last.EndOffset!.Value; // closed with no successor yet: a roll in progress
            }

            if (_probe is null || _probe.Segment.BaseOffset != last.BaseOffset)
            {
                var index = await ReadIndexAsync(last, cancellationToken).ConfigureAwait(false);
                _probe = new TailProbe(last, index.Last.Position, index.Last.Offset);
            }

            var read = await SegmentBlobs.ReadAsync(_blobs.Data(last.BlobName), _probe.Position, null, cancellationToken).ConfigureAwait(false);
            var where = $"{last.BlobName} at byte {_probe.Position}";
            var batches = BatchScanner.Parse(read.Data, _probe.NextOffset, where, out var consumed);
            if (consumed != read.Data.Length)
            {
                throw BatchScanner.Corrupt(where, new RecordBatchFormatException($"{read.Data.Length - consumed} bytes at the tail are not a whole batch."));
            }

            _cache.Add(batches);
            _probe = _probe with
            {
                Position = _probe.Position + consumed,
                NextOffset = batches.Count > 0 ? batches[^1].NextOffset : _probe.NextOffset,
            };
            if (!read.IsSealed || hop >= 3)
            {
                return _probe.NextOffset;
            }

            // Sealed: the segment is complete, and the leader may have started the next one.
            segments = await LoadSegmentsAsync(cancellationToken).ConfigureAwait(false);
            if (segments.Count == 0 || segments[^1].BaseOffset == last.BaseOffset || segments[^1].IsClosed)
            {
                return _probe.NextOffset;
            }
        }
    }
}

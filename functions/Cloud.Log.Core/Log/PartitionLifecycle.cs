using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Lifecycle;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// The segment lifecycle, run by the background jobs: retention deletes whole closed segments, oldest first;
/// compaction rewrites closed segments keeping the newest record of each key. Every step is idempotent and
/// ordered so that a run killed anywhere leaves the log readable and complete, and the next run finishes:
/// retention moves the log start before it deletes anything; compaction writes the new copy at every
/// in-sync location before one conditional transaction (the segment row with the state row, so the ISR it
/// wrote is the ISR at the switch) switches readers to it, and old blobs go only after a grace period.
/// It keeps no state between runs: it works from the rows <see cref="TopicLifecycle"/> read for the whole topic
/// (and only for partitions with work to do, <see cref="HasRetentionWork"/>, <see cref="HasCompactionWork"/>),
/// and tells the <see cref="PartitionLog"/> when the segment list or the state row changed.
/// </summary>
internal sealed class PartitionLifecycle(LogContext context, PartitionLog log, SegmentCopies copies, SegmentRoller roller)
{
    /// <summary>How many times a compacted segment's switch is tried while the state row keeps changing under it.</summary>
    private const int MaxSwitchAttempts = 10;

    private readonly LogContext _context = context;
    private readonly PartitionLog _log = log;
    private readonly SegmentCopies _copies = copies;
    private readonly SegmentRoller _roller = roller;

    private string TopicId => _log.TopicId;

    private int Partition => _log.Partition;

    /// <summary>
    /// Whether a retention run has anything to do in a partition, from its state row and segment rows as the
    /// topic's queries read them (<see cref="TopicLifecycle"/>): a closed segment below the log start (an
    /// interrupted run's, or one a record deletion left), a closed segment past <c>retention.ms</c>, a
    /// <c>retention.bytes</c> limit to measure against, or an active segment older than <c>retention.ms</c>
    /// with no closed segment left to keep. An idle partition with none of these costs a run nothing more.
    /// </summary>
    public static bool HasRetentionWork(TopicConfig config, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments, long now)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Any(s => s.IsClosed && s.EndOffset <= state.LogStartOffset))
        {
            return true;
        }

        if (!config.Deletes)
        {
            return false;
        }

        if (config.RetentionBytesPerPartition >= 0)
        {
            return true;
        }

        if (config.RetentionMilliseconds < 0)
        {
            return false;
        }

        var cutoff = now - config.RetentionMilliseconds;
        var closed = segments.Where(s => s.IsClosed && !s.IsEmpty && s.EndOffset > state.LogStartOffset).ToList();
        if (closed.Count > 0 && closed[0].MaxTimestamp < cutoff)
        {
            return true;
        }

        return closed.Count == 0 && segments.Count > 0 && !segments[^1].IsClosed && segments[^1].CreatedAt < cutoff;
    }

    /// <summary>
    /// Whether a compaction run has anything to do in a partition: a compacted topic's closed segments with
    /// records past the log start. (The sweep of replaced and orphaned blobs runs once per topic, every topic.)
    /// </summary>
    public static bool HasCompactionWork(TopicConfig config, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(segments);
        return config.Compacted && segments.Any(s => s.IsClosed && !s.IsEmpty && s.EndOffset > state.LogStartOffset);
    }

    /// <summary>
    /// Applies <c>retention.ms</c> and <c>retention.bytes</c>; also finishes what an interrupted run left. Works
    /// from the state row and segment rows the topic's queries read (no read of its own unless it has work).
    /// </summary>
    public async Task<SegmentCleanup> EnforceRetentionAsync(string topic, TopicConfig config, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments, CancellationToken cancellationToken)
    {
        var view = ToView(state);
        var logStart = view.LogStartOffset;
        var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (config.Deletes)
        {
            logStart = Math.Max(logStart, await RetainedStartAsync(config, segments, view, logStart, now, cancellationToken).ConfigureAwait(false));
        }

        if (logStart > view.LogStartOffset)
        {
            await StepAsync("retention:log-start", cancellationToken).ConfigureAwait(false);
            logStart = await AdvanceLogStartAsync(logStart, cancellationToken).ConfigureAwait(false);
        }

        // Whole segments below the log start go, with whatever an interrupted run left.
        var gone = segments.Where(s => s.IsClosed && s.EndOffset <= logStart).ToList();
        long freed = 0;
        foreach (var segment in gone)
        {
            await StepAsync("retention:delete-blobs", cancellationToken).ConfigureAwait(false);
            await DeleteBlobsAsync(view.Replicas, [segment.BlobName], cancellationToken).ConfigureAwait(false);
            await StepAsync("retention:delete-row", cancellationToken).ConfigureAwait(false);
            await DeleteSegmentRowAsync(segment, cancellationToken).ConfigureAwait(false);
            freed += segment.SizeBytes ?? 0;
        }

        if (gone.Count > 0)
        {
            _log.SegmentsChanged(rewritten: false);
            _context.Logger.LogInformation("Retention deleted {Count} segments of {Topic}/{Partition}; log start {LogStart}.", gone.Count, topic, Partition, logStart);
        }

        return new SegmentCleanup(topic, Partition, gone.Count, 0, freed, logStart);
    }

    /// <summary>
    /// The log start retention allows: past every closed segment, oldest first, whose newest record is older
    /// than <c>retention.ms</c>, and past the oldest ones while the partition stays at least
    /// <c>retention.bytes</c> without them (Kafka's rule). An idle active segment that is all expired is
    /// rolled, so the next run can delete it.
    /// </summary>
    private async Task<long> RetainedStartAsync(TopicConfig config, IReadOnlyList<SegmentInfo> segments, ReplicaView view, long logStart, long now, CancellationToken cancellationToken)
    {
        var closed = segments.Where(s => s.IsClosed && !s.IsEmpty && s.EndOffset > logStart).ToList();
        var start = logStart;
        var cutoff = config.RetentionMilliseconds < 0 ? long.MinValue : now - config.RetentionMilliseconds;
        var kept = 0;
        while (kept < closed.Count && closed[kept].MaxTimestamp < cutoff)
        {
            start = closed[kept++].EndOffset!.Value;
        }

        if (config.RetentionBytesPerPartition >= 0)
        {
            var active = segments.Count > 0 && !segments[^1].IsClosed ? segments[^1] : null;
            var activeBytes = active is null ? 0 : (await SegmentBlobs.MeasureAsync(Location(view.Leader).Data(active.BlobName), cancellationToken).ConfigureAwait(false))?.Length ?? 0;
            var excess = closed.Skip(kept).Sum(s => s.SizeBytes ?? 0) + activeBytes - config.RetentionBytesPerPartition;
            while (kept < closed.Count && excess - closed[kept].SizeBytes >= 0)
            {
                excess -= closed[kept].SizeBytes!.Value;
                start = closed[kept++].EndOffset!.Value;
            }
        }

        if (cutoff > long.MinValue && kept == closed.Count && segments.Count > 0 && !segments[^1].IsClosed && segments[^1].CreatedAt < cutoff)
        {
            await RollIfExpiredAsync(segments[^1], view, cutoff, cancellationToken).ConfigureAwait(false);
        }

        return start;
    }

    /// <summary>
    /// Time retention of an idle active segment: it is rolled if it holds records and every one of them is older
    /// than the cutoff, so the next run can delete it (writers roll only on appends).
    /// </summary>
    private async Task RollIfExpiredAsync(SegmentInfo active, ReplicaView view, long cutoff, CancellationToken cancellationToken)
    {
        var tail = await _copies.ReadTailAsync(view.Leader, active, null, cancellationToken).ConfigureAwait(false);
        if (tail.Position > 0 && tail.MaxTimestamp < cutoff)
        {
            await _roller.RollAsync(active, [], [], "every record of the active segment is past retention", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves the log start forward (never back) in the state row, with its ETag; the writer's own updates keep it.</summary>
    private async Task<long> AdvanceLogStartAsync(long logStart, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var state = await _context.States.GetStateAsync(TopicId, Partition, cancellationToken).ConfigureAwait(false)
                ?? throw new CloudLogException(Protocol.Errors.ErrorCode.UnknownTopicOrPartition, $"Partition {Partition} no longer exists.");
            if (state.LogStartOffset >= logStart)
            {
                return state.LogStartOffset;
            }

            state.LogStartOffset = logStart;
            try
            {
                var response = await _context.Tables.Partitions.UpdateEntityAsync(state, state.ETag, Azure.Data.Tables.TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                state.ETag = response.Headers.ETag ?? default; // the row's ETag now, for the readers' view (PartitionLog.GetReadViewAsync)
                _log.StateChanged(state);
                return logStart;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < 10)
            {
                // The writer renewed its lease meanwhile: read the row again.
            }
        }
    }

    /// <summary>
    /// Rewrites the closed segments so each holds only the newest record of each key (by the offsets of the
    /// whole closed log), at the records' own offsets; tombstones older than <c>delete.retention.ms</c> go
    /// too. The active segment is never touched. Also deletes blobs that compaction replaced, once the grace
    /// period has passed.
    /// </summary>
    public async Task<SegmentCleanup> CompactAsync(string topic, TopicConfig config, PartitionStateEntity state, IReadOnlyList<SegmentInfo> segments, CancellationToken cancellationToken)
    {
        var view = ToView(state);
        var closed = segments.Where(s => s.IsClosed && !s.IsEmpty && s.EndOffset > view.LogStartOffset).ToList();
        long freed = 0;
        if (!config.Compacted || closed.Count == 0)
        {
            return new SegmentCleanup(topic, Partition, 0, 0, freed, view.LogStartOffset);
        }

        await StepAsync("compaction:offset-map", cancellationToken).ConfigureAwait(false);

        // Kafka's rule: one key map over the whole closed log (newest offset per key), then each segment keeps
        // only the newest record of each key. A key's older records may sit in several segments, and a segment
        // can fail to be rewritten this run (a location that does not answer, a concurrent run, its last
        // replaced blob not swept yet), so a tombstone goes only once every segment that held an older record
        // of its key has been rewritten without it; until then the tombstone stays and the key stays deleted.
        var newest = new Dictionary<string, long>(StringComparer.Ordinal);
        var contents = new List<(SegmentInfo Segment, List<StoredBatch> Batches)>();
        foreach (var segment in closed)
        {
            var batches = await ReadWholeSegmentAsync(view.Leader, segment, cancellationToken).ConfigureAwait(false);
            contents.Add((segment, batches));
            foreach (var record in batches.SelectMany(Decode))
            {
                newest[KeyOf(record)] = record.Offset;
            }
        }

        // Which segments hold a record that is not the newest of its key.
        var staleIn = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        for (var i = 0; i < contents.Count; i++)
        {
            foreach (var record in contents[i].Batches.SelectMany(Decode).Where(r => newest[KeyOf(r)] != r.Offset))
            {
                var key = KeyOf(record);
                if (!staleIn.TryGetValue(key, out var holders))
                {
                    staleIn[key] = holders = [];
                }

                holders.Add(i);
            }
        }

        // A segment is clean once its stored copy holds no record that is not the newest of its key.
        var clean = new bool[contents.Count];
        var tombstoneCutoff = _context.Time.GetUtcNow().ToUnixTimeMilliseconds() - (long)config.TombstoneRetention.TotalMilliseconds;
        var compacted = 0;
        for (var i = 0; i < contents.Count; i++)
        {
            var (segment, batches) = contents[i];
            var at = i;
            bool Expired(ConsumerRecord r) =>
                r.Value is null && r.Timestamp < tombstoneCutoff
                && (!staleIn.TryGetValue(KeyOf(r), out var holders) || holders.All(h => h == at || clean[h]));

            var rewritten = new List<byte[]>();
            var removed = false;
            var stale = false;
            foreach (var batch in batches)
            {
                var records = Decode(batch);
                stale |= records.Any(r => newest[KeyOf(r)] != r.Offset);
                var kept = records.Where(r => newest[KeyOf(r)] == r.Offset && !Expired(r)).ToList();
                removed |= kept.Count < records.Count;
                if (RecordBatch.Compact(batch.Bytes.Span, kept) is { } bytes)
                {
                    rewritten.Add(kept.Count == records.Count ? batch.Bytes.ToArray() : bytes);
                }
            }

            if (!removed)
            {
                clean[i] = true;
                continue;
            }

            var size = rewritten.Sum(b => (long)b.Length);
            if (await ReplaceSegmentAsync(segment, rewritten, cancellationToken).ConfigureAwait(false))
            {
                clean[i] = true;
                compacted++;
                freed += (segment.SizeBytes ?? 0) - size;
            }
            else
            {
                clean[i] = !stale;
            }
        }

        if (compacted > 0)
        {
            // Cached batches are the pre-compaction ones: read the rewritten segments from storage from now on.
            // (Other instances' caches age out as new batches push old ones out.)
            _log.SegmentsChanged(rewritten: true);
            _context.Logger.LogInformation("Compaction rewrote {Count} segments of {Topic}/{Partition}.", compacted, topic, Partition);
        }

        return new SegmentCleanup(topic, Partition, 0, compacted, freed, view.LogStartOffset);
    }

    /// <summary>
    /// Writes the compacted segment to a new blob at every in-sync location, sealed, with its index, then
    /// switches the segment row to it. The switch is one table transaction with the partition's state row
    /// under the ETag it was read with, and every location that row counts in sync holds the copy by then: a
    /// replica that rejoined the ISR meanwhile (a rejoin is a state-row write) makes the transaction fail, and
    /// the switch writes its copy too and tries again. The segment row's ETag makes a concurrent compaction of
    /// the same segment lose cleanly. False when a location did not take the copy or another run switched
    /// first: the log is unchanged then, and the unnamed blob is swept later.
    /// </summary>
    private async Task<bool> ReplaceSegmentAsync(SegmentInfo segment, List<byte[]> batches, CancellationToken cancellationToken)
    {
        var row = await _context.Tables.Partitions.GetEntityIfExistsAsync<SegmentEntity>(TopicId, segment.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value!.BlobName != segment.BlobName || row.Value.ReplacedBlob.Length > 0)
        {
            return false; // changed meanwhile, or its last replaced blob is not swept yet
        }

        var name = CompactedBlobName(segment.BlobName);
        var written = new HashSet<int>();
        for (var attempt = 0; attempt < MaxSwitchAttempts; attempt++)
        {
            var state = await _context.States.GetStateAsync(TopicId, Partition, cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                return false;
            }

            foreach (var location in state.IsrList.Where(l => !written.Contains(l)))
            {
                await StepAsync("compaction:write-copy", cancellationToken).ConfigureAwait(false);
                if (!await WriteSegmentCopyAsync(location, name, segment.BaseOffset, batches, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                written.Add(location);
            }

            await StepAsync("compaction:switch-row", cancellationToken).ConfigureAwait(false);
            var entity = row.Value;
            entity.ReplacedBlob = segment.BlobName;
            entity.ReplacedAt = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
            entity.BlobName = name;
            entity.SizeBytes = batches.Sum(b => (long)b.Length);
            entity.Compacted = true;
            try
            {
                await _context.Tables.Partitions.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, state, state.ETag),
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, entity.ETag),
                    ],
                    cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // The state row changed (a rejoin, a roll, a lease renewal) or the segment row did (another run won).
                var now = await _context.Tables.Partitions.GetEntityIfExistsAsync<SegmentEntity>(TopicId, segment.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!now.HasValue || now.Value!.ETag != row.Value.ETag)
                {
                    return false;
                }
            }
        }

        return false;
    }

    /// <summary>A new name for a segment's compacted copy: the segment's name with a fresh suffix, so concurrent runs never share a blob.</summary>
    private static string CompactedBlobName(string blobName)
    {
        var stem = blobName[..^".log".Length];
        var dot = stem.IndexOf(".c", StringComparison.Ordinal);
        var baseName = dot < 0 ? stem : stem[..dot];
        return string.Create(CultureInfo.InvariantCulture, $"{baseName}.c{Guid.NewGuid():N}.log");
    }

    /// <summary>Writes one location's copy of a compacted segment: whole batches in blocks of at most 4 MiB, an index entry every index interval, then seals it.</summary>
    private async Task<bool> WriteSegmentCopyAsync(int location, string name, long baseOffset, List<byte[]> batches, CancellationToken cancellationToken)
    {
        var blobs = Location(location);
        try
        {
            await blobs.CreateSegmentAsync(name, cancellationToken).ConfigureAwait(false);
            long position = 0;
            long lastIndexed = 0;
            var index = new List<byte>();
            var maxTimestamp = -1L;
            var block = new List<byte>();
            foreach (var batch in batches)
            {
                RecordBatch.TryReadHeader(batch, out var header);
                if (block.Count > 0 && block.Count + batch.Length > TopicConfig.MaxBlockBytes)
                {
                    await SegmentBlobs.AppendAsync(blobs.Data(name), block.ToArray(), position, cancellationToken).ConfigureAwait(false);
                    position += block.Count;
                    block.Clear();
                }

                var at = position + block.Count;
                if (at - lastIndexed >= _context.Options.IndexIntervalBytes)
                {
                    index.AddRange(OffsetIndex.Encode(new OffsetIndexEntry(header.BaseOffset, at, maxTimestamp)));
                    lastIndexed = at;
                }

                block.AddRange(batch);
                maxTimestamp = Math.Max(maxTimestamp, header.MaxTimestamp);
            }

            if (block.Count > 0)
            {
                await SegmentBlobs.AppendAsync(blobs.Data(name), block.ToArray(), position, cancellationToken).ConfigureAwait(false);
            }

            if (index.Count > 0)
            {
                await SegmentBlobs.AppendAsync(blobs.Index(name), index.ToArray(), 0, cancellationToken).ConfigureAwait(false);
            }

            await SegmentBlobs.SealAsync(blobs.Data(name), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or AggregateException)
        {
            _context.Logger.LogWarning(e, "Location {Location} did not take the compacted copy {Blob} (base offset {BaseOffset}).", location, name, baseOffset);
            return false;
        }
    }

    /// <summary>Reads a closed segment's committed bytes from one copy, in 4 MiB reads, as checked batches.</summary>
    private async Task<List<StoredBatch>> ReadWholeSegmentAsync(int location, SegmentInfo segment, CancellationToken cancellationToken)
    {
        var batches = new List<StoredBatch>();
        long position = 0;
        long? expected = segment.BaseOffset;
        while (position < segment.SizeBytes)
        {
            var read = await SegmentBlobs.ReadAsync(Location(location).Data(segment.BlobName), position, Math.Min(TopicConfig.MaxBlockBytes, segment.SizeBytes!.Value - position), cancellationToken).ConfigureAwait(false);
            var where = $"{segment.BlobName} at location {location}, byte {position}";
            var parsed = BatchScanner.Parse(read.Data, expected, where, out var consumed, allowGaps: true);
            if (consumed == 0)
            {
                // One batch larger than the read: read it whole.
                var size = BatchScanner.PeekSize(read.Data.Span, where) ?? throw BatchScanner.Corrupt(where, new RecordBatchFormatException("The segment ends inside a batch."));
                read = await SegmentBlobs.ReadAsync(Location(location).Data(segment.BlobName), position, size, cancellationToken).ConfigureAwait(false);
                parsed = BatchScanner.Parse(read.Data, expected, where, out consumed, allowGaps: true);
            }

            // Copy the batches out of the read buffer: the segment is held while the offset map is built.
            batches.AddRange(parsed.Select(b => b with { Bytes = b.Bytes.ToArray() }));
            position += consumed;
            expected = parsed[^1].NextOffset;
        }

        return batches;
    }

    /// <summary>The key a compacted topic keeps the newest record of: its bytes, as text for the map.</summary>
    private static string KeyOf(ConsumerRecord record) => Convert.ToBase64String(record.Key!.Value.Span);

    /// <summary>Deletes segment blobs (data and index) at every location that answers; a missing blob is fine.</summary>
    private async Task DeleteBlobsAsync(IEnumerable<int> locations, IEnumerable<string> blobNames, CancellationToken cancellationToken)
    {
        foreach (var location in locations)
        {
            foreach (var name in blobNames)
            {
                try
                {
                    await DeleteBlobAsync(Location(location), name, cancellationToken).ConfigureAwait(false);
                    await DeleteBlobAsync(Location(location), SegmentBlobs.IndexBlobName(name), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or AggregateException)
                {
                    // A location that does not answer keeps its copy for now; catch-up never copies below the log start.
                    _context.Logger.LogInformation(e, "Location {Location} kept {Blob} for now.", location, name);
                }
            }
        }
    }

    private static async Task DeleteBlobAsync(SegmentBlobs location, string name, CancellationToken cancellationToken) =>
        await location.Container.DeleteBlobIfExistsAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);

    private async Task DeleteSegmentRowAsync(SegmentInfo segment, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Tables.Partitions.DeleteEntityAsync(TopicId, segment.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    private Task StepAsync(string step, CancellationToken cancellationToken) =>
        _context.Options.StepHook?.Invoke(step, cancellationToken) ?? Task.CompletedTask;

    private SegmentBlobs Location(int location) => _context.Locations[location];

    /// <summary>A replica view of a state row this job read (in its per-topic query); never a reader's lease.</summary>
    private ReplicaView ToView(PartitionStateEntity state) =>
        new(state.Leader, state.IsrList, state.ReplicaList, state.LogStartOffset, _context.Time.GetUtcNow(), ReadStartedAt: 0, state.ETag);

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
}

using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>
/// Idempotent producers on the write side. The leader keeps the partition's producer state in memory
/// (<see cref="ProducerStateMap"/>), checks each idempotent batch against it before the batch is sequenced,
/// and persists what changed with each lease renewal and release (same transaction as the lease row).
/// A new leader rebuilds the state from the persisted checkpoint by reading the log from there to its
/// end, and reads a producer's row when it first meets that producer.
/// </summary>
internal sealed partial class PartitionLog
{
    /// <summary>Bytes read per storage read while a new leader rebuilds producer state from the log.</summary>
    private const int ProducerScanReadBytes = 4 * 1024 * 1024;

    private ProducerStateMap? _producers;

    /// <summary>
    /// Decides each pending batch: batches without a producer and new in-sequence ones are accepted, in
    /// order, at the offsets they will get; repeats of stored batches become duplicates, answered after the
    /// append; the rest are refused at once. The producer state takes the accepted batches provisionally:
    /// if the append fails, the state is rebuilt with the tail.
    /// </summary>
    private async Task<(List<PendingAppend> Accepted, List<(PendingAppend Pending, ProducerBatchMetadata Stored)> Duplicates)> PlanAsync(
        List<PendingAppend> group, long nextOffset, CancellationToken cancellationToken)
    {
        var accepted = new List<PendingAppend>(group.Count);
        var duplicates = new List<(PendingAppend, ProducerBatchMetadata)>();
        if (group.All(p => p.Header.Producer is null))
        {
            accepted.AddRange(group);
            return (accepted, duplicates);
        }

        var producers = _producers!;
        var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await LoadUnknownProducersAsync(producers, group, now, cancellationToken).ConfigureAwait(false);
        foreach (var pending in group)
        {
            if (pending.Header.Producer is { } producer)
            {
                var check = producers.Check(producer, pending.Header.RecordCount);
                if (check.Outcome == ProducerCheckOutcome.Duplicate)
                {
                    duplicates.Add((pending, check.Duplicate));
                    continue;
                }

                if (check.Outcome == ProducerCheckOutcome.Refuse)
                {
                    pending.Completion.TrySetException(check.Error!);
                    continue;
                }

                producers.Apply(pending.Header with { BaseOffset = nextOffset }, now);
            }

            accepted.Add(pending);
            nextOffset += pending.Header.RecordCount;
        }

        return (accepted, duplicates);
    }

    private static void CompleteDuplicates(List<(PendingAppend Pending, ProducerBatchMetadata Stored)> duplicates)
    {
        foreach (var (pending, stored) in duplicates)
        {
            pending.Completion.TrySetResult(new AppendResult(stored.BaseOffset, stored.Timestamp, Duplicate: true));
        }
    }

    /// <summary>Reads, in parallel, the persisted state of producers this leader has not met yet.</summary>
    private async Task LoadUnknownProducersAsync(ProducerStateMap producers, List<PendingAppend> group, long now, CancellationToken cancellationToken)
    {
        var unknown = group
            .Select(p => p.Header.Producer)
            .Where(p => p is not null && !producers.Contains(p.Value.ProducerId))
            .Select(p => p!.Value.ProducerId)
            .Distinct()
            .ToList();
        var rows = await Task.WhenAll(unknown.Select(id => _context.Producers.GetAsync(TopicId, Partition, id, cancellationToken))).ConfigureAwait(false);
        foreach (var row in rows)
        {
            if (row is not null && !IsExpired(row, now))
            {
                producers.Merge(row);
            }
        }
    }

    /// <summary>
    /// Rebuilds the producer state of a new leader: the log from the persisted checkpoint (or the log start
    /// when there is none) to its end, applying every idempotent batch. Older producers are read on demand.
    /// </summary>
    private async Task<ProducerStateMap> LoadProducerStateAsync(long checkpoint, long logEnd, CancellationToken cancellationToken)
    {
        var producers = new ProducerStateMap();
        var logStart = await GetLogStartOffsetAsync(cancellationToken, refresh: checkpoint < 0).ConfigureAwait(false);
        var offset = Math.Max(checkpoint, logStart);
        var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        while (offset < logEnd)
        {
            var (batches, skipTo, _) = _cache.From(offset) is { } cached
                ? (cached, offset, false)
                : await ReadBatchesFromStorageAsync(offset, ProducerScanReadBytes, logEnd, cancellationToken).ConfigureAwait(false);
            if (batches.Count == 0)
            {
                if (skipTo > offset)
                {
                    offset = skipTo;
                    continue;
                }

                break;
            }

            foreach (var batch in batches.Where(b => b.NextOffset > offset && b.BaseOffset < logEnd && b.Header.Producer is not null))
            {
                producers.Apply(batch.Header, now);
            }

            offset = batches[^1].NextOffset;
        }

        return producers;
    }

    /// <summary>What to persist with the next lease write: the changed producers, complete up to the log end.</summary>
    private ProducerStateFlush? TakeProducerFlush()
    {
        if (_producers is null || _active is null)
        {
            return null;
        }

        var now = _context.Time.GetUtcNow().ToUnixTimeMilliseconds();
        _producers.Expire(e => IsExpired(e, now));
        return new ProducerStateFlush(_active.NextOffset, _producers.TakeDirty());
    }

    private bool IsExpired(ProducerStateEntry entry, long now)
    {
        var expiration = ProducerIdempotence.IsDerivedFromKey(entry.ProducerId)
            ? _context.Options.IdempotencyKeyExpiration
            : _context.Options.ProducerIdExpiration;
        return entry.LastAppendTime < now - (long)expiration.TotalMilliseconds;
    }
}

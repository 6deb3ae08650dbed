using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Leases;

/// <summary>
/// Partition leadership leases in Table storage. A lease row is claimed, renewed and released only with
/// its ETag, so two instances never both believe they hold it under the same epoch. A claim bumps the
/// epoch. An instance that finds the lease held asks for a hand-off in the row and waits; the holder
/// hands over at its next renewal. Renewals and releases carry the leader's changed producer state in
/// the same transaction, so only the current holder can write it.
/// </summary>
internal sealed class PartitionLeaseManager(TableClient leases, CloudLogEngineOptions options, TimeProvider time)
{
    /// <summary>A table transaction holds at most 100 rows: the lease row and 99 producer rows.</summary>
    private const int ProducerRowsPerTransaction = 99;

    private readonly string _owner = options.InstanceId!;

    /// <summary>Waits until this instance holds the lease, or throws STORAGE_UNAVAILABLE after the acquire timeout.</summary>
    public async Task<PartitionLease> AcquireAsync(string topicId, int partition, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.LeaseAcquireTimeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var lease = await TryClaimAsync(topicId, partition, cancellationToken).ConfigureAwait(false);
            if (lease is not null)
            {
                return lease;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new CloudLogException(ErrorCode.StorageUnavailable, $"Partition {partition} is led by another instance that did not hand it over in time.")
                {
                    RetryAfter = options.LeaseRenewInterval,
                };
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.LeaseRenewInterval.Ticks / 2));
        }
    }

    /// <summary>One attempt: claims a free, expired or own lease; otherwise asks for a hand-off and answers null.</summary>
    public async Task<PartitionLease?> TryClaimAsync(string topicId, int partition, CancellationToken cancellationToken)
    {
        var rowKey = PartitionEntity.RowKeyFor(partition);
        var started = time.GetUtcNow();
        var existing = await leases.GetEntityIfExistsAsync<LeaseEntity>(topicId, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var row = existing.HasValue ? existing.Value : null;
        var nowMs = started.ToUnixTimeMilliseconds();
        if (row is not null && row.Owner.Length > 0 && row.Owner != _owner && row.ExpiresAt > nowMs)
        {
            await RequestHandoffAsync(row, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (row is not null && row.Owner.Length == 0 && row.HandoffRequestedBy.Length > 0 && row.HandoffRequestedBy != _owner && row.ExpiresAt > nowMs)
        {
            return null; // handed over to another instance, reserved for it a short while
        }

        var claim = new LeaseEntity
        {
            PartitionKey = topicId,
            RowKey = rowKey,
            Owner = _owner,
            Epoch = (row?.Epoch ?? 0) + 1,
            ExpiresAt = (started + options.LeaseDuration).ToUnixTimeMilliseconds(),
            ProducerCheckpoint = row?.ProducerCheckpoint ?? -1,
        };
        try
        {
            var response = row is null
                ? await leases.AddEntityAsync(claim, cancellationToken).ConfigureAwait(false)
                : await leases.UpdateEntityAsync(claim, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return new PartitionLease(claim.Epoch, response.Headers.ETag ?? default, started + options.LeaseDuration, started, null, claim.ProducerCheckpoint);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null; // another instance claimed it first
        }
    }

    /// <summary>
    /// Extends the lease, writing <paramref name="flush"/> with it. Answers the renewed lease (flagged when
    /// a hand-off was asked for), or null when the lease was lost to another instance.
    /// </summary>
    public async Task<PartitionLease?> RenewAsync(string topicId, int partition, PartitionLease lease, ProducerStateFlush? flush, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var renewed = new LeaseEntity
        {
            PartitionKey = topicId,
            RowKey = PartitionEntity.RowKeyFor(partition),
            Owner = _owner,
            Epoch = lease.Epoch,
            ExpiresAt = (started + options.LeaseDuration).ToUnixTimeMilliseconds(),
            ProducerCheckpoint = flush?.Checkpoint ?? lease.ProducerCheckpoint,
        };
        var (etag, handoff) = await WriteOwnRowAsync(renewed, lease, flush, cancellationToken).ConfigureAwait(false);
        return etag is null
            ? null
            : new PartitionLease(lease.Epoch, etag.Value, started + options.LeaseDuration, started, handoff, renewed.ProducerCheckpoint);
    }

    /// <summary>
    /// Gives the lease up at once, keeping the epoch and writing <paramref name="flush"/>, so the next holder
    /// need not wait for expiry. A lease released on request stays reserved for the requester for two renew
    /// intervals, so the releasing instance's own queued appends cannot claim it straight back (which would
    /// starve the requester).
    /// </summary>
    public async Task ReleaseAsync(string topicId, int partition, PartitionLease lease, ProducerStateFlush? flush, CancellationToken cancellationToken)
    {
        var released = new LeaseEntity
        {
            PartitionKey = topicId,
            RowKey = PartitionEntity.RowKeyFor(partition),
            Owner = "",
            Epoch = lease.Epoch,
            HandoffRequestedBy = lease.HandoffTo ?? "",
            ExpiresAt = lease.HandoffTo is null ? 0 : (time.GetUtcNow() + (2 * options.LeaseRenewInterval)).ToUnixTimeMilliseconds(),
            ProducerCheckpoint = flush?.Checkpoint ?? lease.ProducerCheckpoint,
        };
        await WriteOwnRowAsync(released, lease, flush, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Current epochs of a topic's partitions, for describe.</summary>
    public async Task<Dictionary<int, int>> GetEpochsAsync(string topicId, CancellationToken cancellationToken)
    {
        var result = new Dictionary<int, int>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {topicId} and RowKey lt {ProducerEntity.RowKeyPrefix}");
        await foreach (var row in leases.QueryAsync<LeaseEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result[int.Parse(row.RowKey, System.Globalization.CultureInfo.InvariantCulture)] = row.Epoch;
        }

        return result;
    }

    /// <summary>
    /// Writes the lease row as its holder, with the producer rows of <paramref name="flush"/> in the same
    /// transactions. Answers the new ETag and any hand-off request, or a null ETag when the lease is no
    /// longer ours (nothing of <paramref name="flush"/> is written then).
    /// </summary>
    private async Task<(ETag? ETag, string? Handoff)> WriteOwnRowAsync(LeaseEntity row, PartitionLease lease, ProducerStateFlush? flush, CancellationToken cancellationToken)
    {
        var etag = lease.ETag;
        string? handoff = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                return (await WriteAsync(row, etag, lease.ProducerCheckpoint, flush, cancellationToken).ConfigureAwait(false), handoff);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // The row changed: either a waiter asked for a hand-off (still ours), or the lease is gone.
                var current = await leases.GetEntityIfExistsAsync<LeaseEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!current.HasValue || current.Value!.Owner != _owner || current.Value.Epoch != lease.Epoch)
                {
                    return (null, null);
                }

                etag = current.Value.ETag;
                handoff = current.Value.HandoffRequestedBy.Length > 0 ? current.Value.HandoffRequestedBy : null;
                if (row.Owner.Length == 0 && handoff is not null && row.HandoffRequestedBy.Length == 0)
                {
                    // Released while someone asked: reserve it for them.
                    row.HandoffRequestedBy = handoff;
                    row.ExpiresAt = (time.GetUtcNow() + (2 * options.LeaseRenewInterval)).ToUnixTimeMilliseconds();
                }
            }
        }

        return (null, null);
    }

    /// <summary>
    /// One transaction per 99 producer rows, each with the lease row under its ETag; the checkpoint moves
    /// only in the last, so it never claims rows that were not written.
    /// </summary>
    private async Task<ETag> WriteAsync(LeaseEntity row, ETag etag, long previousCheckpoint, ProducerStateFlush? flush, CancellationToken cancellationToken)
    {
        var entries = flush?.Entries ?? [];
        if (entries.Count == 0)
        {
            var response = await leases.UpdateEntityAsync(row, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag ?? default;
        }

        var checkpoint = row.ProducerCheckpoint;
        for (var i = 0; i < entries.Count; i += ProducerRowsPerTransaction)
        {
            var last = i + ProducerRowsPerTransaction >= entries.Count;
            row.ProducerCheckpoint = last ? checkpoint : previousCheckpoint;
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, etag) };
            actions.AddRange(entries.Skip(i).Take(ProducerRowsPerTransaction).Select(e =>
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, ProducerEntity.From(row.PartitionKey, int.Parse(row.RowKey, System.Globalization.CultureInfo.InvariantCulture), e))));
            var responses = await leases.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            etag = responses.Value[0].Headers.ETag ?? default;
        }

        return etag;
    }

    private async Task RequestHandoffAsync(LeaseEntity row, CancellationToken cancellationToken)
    {
        if (row.HandoffRequestedBy.Length > 0)
        {
            return;
        }

        row.HandoffRequestedBy = _owner;
        try
        {
            await leases.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            // The row moved on (renewed or released); the next attempt reads it again.
        }
    }
}

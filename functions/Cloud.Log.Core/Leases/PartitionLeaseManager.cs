using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Leases;

/// <summary>
/// Partition leadership, claimed on the partition's state row with its ETag, so two instances never both
/// believe they hold it under the same epoch. A claim bumps the epoch. An instance that finds the lease
/// held asks for a hand-off in the row and waits; the holder hands over after its current append. Every
/// change the holder makes (renewal, release, ISR, leader, segment and producer rows) goes through
/// <see cref="WriteAsync"/>: one transaction with the state row under the holder's ETag.
/// </summary>
internal sealed class PartitionLeaseManager(TableClient partitions, CloudLogEngineOptions options, TimeProvider time)
{
    /// <summary>A table transaction holds at most 100 rows: the state row and 99 others.</summary>
    private const int RowsPerTransaction = 99;

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
        var started = time.GetUtcNow();
        var row = await GetStateAsync(topicId, partition, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudLogException(ErrorCode.UnknownTopicOrPartition, $"Partition {partition} of topic {topicId} does not exist.");
        var nowMs = started.ToUnixTimeMilliseconds();
        if (row.Owner.Length > 0 && row.Owner != _owner && row.ExpiresAt > nowMs)
        {
            await RequestHandoffAsync(row, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (row.Owner.Length == 0 && row.HandoffRequestedBy.Length > 0 && row.HandoffRequestedBy != _owner && row.ExpiresAt > nowMs)
        {
            return null; // handed over to another instance, reserved for it a short while
        }

        var clean = row.Owner.Length == 0 && row.CleanSegment.Length > 0 ? (row.CleanSegment, row.CleanPosition) : ((string, long)?)null;
        var claim = row.Copy();
        claim.Owner = _owner;
        claim.Epoch = row.Epoch + 1;
        claim.ExpiresAt = (started + options.LeaseDuration).ToUnixTimeMilliseconds();
        claim.HandoffRequestedBy = "";
        claim.CleanSegment = "";
        claim.CleanPosition = -1;
        try
        {
            var response = await partitions.UpdateEntityAsync(claim, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            claim.ETag = response.Headers.ETag ?? default;
            return new PartitionLease(claim, started + options.LeaseDuration, started, null) { CleanStart = clean };
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null; // another instance claimed it first
        }
    }

    /// <summary>Extends the lease, persisting <paramref name="flush"/> with it; null when the lease was lost.</summary>
    public Task<PartitionLease?> RenewAsync(PartitionLease lease, ProducerStateFlush? flush, CancellationToken cancellationToken)
    {
        var expires = (time.GetUtcNow() + options.LeaseDuration).ToUnixTimeMilliseconds();
        return WriteAsync(lease, state =>
        {
            state.ExpiresAt = expires;
            if (flush is not null)
            {
                state.ProducerCheckpoint = flush.Checkpoint;
            }
        }, ProducerRows(lease, flush), renewing: true, cancellationToken);
    }

    /// <summary>
    /// Gives the lease up at once, keeping the epoch and persisting <paramref name="flush"/>, so the next
    /// holder need not wait for expiry. <paramref name="clean"/> marks where the active segment ends when
    /// this holder's appends all completed, so the next holder continues it. A lease released on request
    /// stays reserved for the requester for two renew intervals, so this instance's own queued appends
    /// cannot claim it straight back (which would starve the requester).
    /// </summary>
    public Task<PartitionLease?> ReleaseAsync(PartitionLease lease, ProducerStateFlush? flush, (string Segment, long Position)? clean, CancellationToken cancellationToken)
    {
        var reservedUntil = (time.GetUtcNow() + (2 * options.LeaseRenewInterval)).ToUnixTimeMilliseconds();
        return WriteAsync(lease, state =>
        {
            state.Owner = "";
            var requester = lease.HandoffTo ?? (state.HandoffRequestedBy.Length > 0 ? state.HandoffRequestedBy : null);
            state.HandoffRequestedBy = requester ?? "";
            state.ExpiresAt = requester is null ? 0 : reservedUntil;
            state.CleanSegment = clean?.Segment ?? "";
            state.CleanPosition = clean?.Position ?? -1;
            if (flush is not null)
            {
                state.ProducerCheckpoint = flush.Checkpoint;
            }
        }, ProducerRows(lease, flush), renewing: false, cancellationToken);
    }

    /// <summary>
    /// Changes the partition as its holder: applies <paramref name="change"/> to the state row and writes it,
    /// with <paramref name="rows"/>, under the holder's ETag. A row changed by someone else meanwhile (a
    /// hand-off request, retention moving the log start) is read again and the change applied to it, as long
    /// as it is still ours. Answers the lease with the written state, or null when the lease is no longer ours
    /// (nothing is written then).
    /// </summary>
    public async Task<PartitionLease?> WriteAsync(PartitionLease lease, Action<PartitionStateEntity> change, IReadOnlyList<ITableEntity>? rows, bool renewing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(change);
        var started = time.GetUtcNow();
        var current = lease.State;
        string? handoff = lease.HandoffTo;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var written = await WriteRowsAsync(current, change, rows ?? [], cancellationToken).ConfigureAwait(false);
                return renewing
                    ? new PartitionLease(written, started + options.LeaseDuration, started, handoff)
                    : lease with { State = written, HandoffTo = handoff };
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // The row changed: a waiter asked for a hand-off, or retention moved the log start (still ours),
                // or the lease is gone.
                var fresh = await GetStateAsync(lease.State.PartitionKey, lease.State.Partition, cancellationToken).ConfigureAwait(false);
                if (fresh is null || fresh.Owner != _owner || fresh.Epoch != lease.Epoch)
                {
                    return null;
                }

                current = fresh;
                handoff = fresh.HandoffRequestedBy.Length > 0 ? fresh.HandoffRequestedBy : handoff;
            }
        }

        return null;
    }

    /// <summary>The state row of a partition, or null when it does not exist.</summary>
    public async Task<PartitionStateEntity?> GetStateAsync(string topicId, int partition, CancellationToken cancellationToken)
    {
        var row = await partitions.GetEntityIfExistsAsync<PartitionStateEntity>(topicId, PartitionStateEntity.RowKeyFor(partition), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Every partition's state row of a topic, for describe and for the background jobs.</summary>
    public async Task<IReadOnlyList<PartitionStateEntity>> GetStatesAsync(string topicId, CancellationToken cancellationToken)
    {
        var result = new List<PartitionStateEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {topicId} and Kind eq {PartitionStateEntity.StateKind}");
        await foreach (var row in partitions.QueryAsync<PartitionStateEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(row);
        }

        return result;
    }

    /// <summary>
    /// One transaction per 99 other rows, each with the state row under its ETag; the change is applied in
    /// the last, so a checkpoint never claims rows that were not written.
    /// </summary>
    private async Task<PartitionStateEntity> WriteRowsAsync(PartitionStateEntity current, Action<PartitionStateEntity> change, IReadOnlyList<ITableEntity> rows, CancellationToken cancellationToken)
    {
        var etag = current.ETag;
        var state = current.Copy();
        if (rows.Count == 0)
        {
            change(state);
            var response = await partitions.UpdateEntityAsync(state, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            state.ETag = response.Headers.ETag ?? default;
            return state;
        }

        for (var i = 0; i < rows.Count; i += RowsPerTransaction)
        {
            if (i + RowsPerTransaction >= rows.Count)
            {
                change(state);
            }

            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, state, etag) };
            actions.AddRange(rows.Skip(i).Take(RowsPerTransaction).Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)));
            var responses = await partitions.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            etag = responses.Value[0].Headers.ETag ?? default;
        }

        state.ETag = etag;
        return state;
    }

    private static List<ITableEntity> ProducerRows(PartitionLease lease, ProducerStateFlush? flush)
    {
        if (flush is null || flush.Entries.Count == 0)
        {
            return [];
        }

        var partition = lease.State.Partition;
        return flush.Entries.Select(e => (ITableEntity)ProducerEntity.From(lease.State.PartitionKey, partition, e)).ToList();
    }

    private async Task RequestHandoffAsync(PartitionStateEntity row, CancellationToken cancellationToken)
    {
        if (row.HandoffRequestedBy.Length > 0)
        {
            return;
        }

        row.HandoffRequestedBy = _owner;
        try
        {
            await partitions.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            // The row moved on (renewed or released); the next attempt reads it again.
        }
    }
}

using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Groups;

/// <summary>
/// Consumer group membership and partition ownership in Table storage (Kafka's group coordinator, without a
/// coordinator): members join, send heartbeats and leave; each heartbeat computes the group's assignment
/// (sticky: even shares, owners keeping theirs, see <see cref="Assign"/>) and claims for the member the
/// partitions of its share that nobody owns. A partition changes hands only once its owner released it — after it stopped
/// reading it — or its owner's session ran out, so no partition is read by two members at once.
/// </summary>
internal sealed class GroupMembership(MetadataTables tables, Func<string, CancellationToken, Task<int?>> partitionCount, TimeProvider time)
{
    /// <summary>How long after another member's expiry a heartbeat is sent, so that its session has surely run out.</summary>
    private const long ExpiryGraceMs = 50;

    private const long MinHeartbeatMs = 50;

    public async Task<MemberAssignment> JoinAsync(string group, IReadOnlyList<string> topics, TimeSpan sessionTimeout, CancellationToken cancellationToken)
    {
        var timeoutMs = (long)sessionTimeout.TotalMilliseconds;
        if (timeoutMs is < GroupLimits.MinSessionTimeoutMs or > GroupLimits.MaxSessionTimeoutMs)
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, $"A session timeout is {GroupLimits.MinSessionTimeoutMs} to {GroupLimits.MaxSessionTimeoutMs} ms.");
        }

        var member = new GroupMemberEntity
        {
            PartitionKey = group,
            RowKey = GroupMemberEntity.RowKeyFor(Guid.NewGuid().ToString("N")),
            Topics = string.Join(',', topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
            SessionTimeoutMs = timeoutMs,
            ExpiresAt = GroupMemberEntity.Expiry(time.GetUtcNow(), timeoutMs),
        };
        await tables.Groups.UpsertEntityAsync(new GroupOffsetEntity { PartitionKey = group, RowKey = GroupOffsetEntity.MarkerRowKey, CommittedAt = time.GetUtcNow().ToUnixTimeMilliseconds() }, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        await tables.Groups.AddEntityAsync(member, cancellationToken).ConfigureAwait(false);
        await BumpGenerationAsync(group, cancellationToken).ConfigureAwait(false);
        return await HeartbeatAsync(group, member.MemberId, [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the member's session, releases what it reports released, and claims its share.</summary>
    public async Task<MemberAssignment> HeartbeatAsync(string group, string memberId, IReadOnlyList<TopicPartition> released, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (members, owners) = await ReadAsync(group, cancellationToken).ConfigureAwait(false);
        if (AfterHeartbeatRead is { } hook)
        {
            await hook().ConfigureAwait(false);
        }

        if (!members.TryGetValue(memberId, out var me) || me.ExpiresAt <= now.ToUnixTimeMilliseconds())
        {
            throw UnknownMember(group, memberId);
        }

        // The renewal is conditioned on the row as read: if another member deleted it meanwhile (its session
        // had run out by that member's clock) the renewal fails, and this member is gone, not renewed — so a
        // member whose partitions were taken over can never go on as their owner.
        me.ExpiresAt = GroupMemberEntity.Expiry(now, me.SessionTimeoutMs);
        if (!await TryRenewAsync(me, now, cancellationToken).ConfigureAwait(false))
        {
            throw UnknownMember(group, memberId);
        }

        foreach (var partition in released)
        {
            if (owners.TryGetValue(partition, out var owner) && owner.Owner == memberId && await ReleaseAsync(owner, memberId, cancellationToken).ConfigureAwait(false))
            {
                owners.Remove(partition);
            }
        }

        // An expired member is gone only once its row is: a delete that fails because the row changed (the
        // member renewed its session in between) leaves it live, and its partitions stay where they are.
        var nowMs = now.ToUnixTimeMilliseconds();
        var live = members.Values.Where(m => m.ExpiresAt > nowMs).ToList();
        var gone = new List<GroupMemberEntity>();
        foreach (var expired in members.Values.Where(m => m.ExpiresAt <= nowMs))
        {
            (await TryDeleteExpiredAsync(expired, cancellationToken).ConfigureAwait(false) ? gone : live).Add(expired);
        }

        live = [.. live.OrderBy(m => m.MemberId, StringComparer.Ordinal)];

        if (gone.Count > 0)
        {
            await BumpGenerationAsync(group, cancellationToken).ConfigureAwait(false);
        }

        var target = await AssignAsync(live, owners.ToDictionary(o => o.Key, o => o.Value.Owner), cancellationToken).ConfigureAwait(false);
        var mine = target.GetValueOrDefault(memberId) ?? [];
        var liveIds = live.Select(m => m.MemberId).ToHashSet(StringComparer.Ordinal);
        foreach (var partition in mine)
        {
            if (!owners.TryGetValue(partition, out var owner))
            {
                var claim = new PartitionOwnerEntity { PartitionKey = group, RowKey = PartitionOwnerEntity.RowKeyFor(partition.Topic, partition.Partition), Owner = memberId, Topic = partition.Topic, TopicPartition = partition.Partition };
                if (await TryWriteAsync(() => tables.Groups.AddEntityAsync(claim, cancellationToken)).ConfigureAwait(false))
                {
                    owners[partition] = claim;
                }
            }
            else if (owner.Owner != memberId && !liveIds.Contains(owner.Owner))
            {
                // Its owner's session ran out: take it over, unless someone else just did.
                var previous = owner.Owner;
                owner.Owner = memberId;
                if (!await TryWriteAsync(() => tables.Groups.UpdateEntityAsync(owner, owner.ETag, TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false))
                {
                    owner.Owner = previous;
                }
            }
        }

        var assigned = owners.Values.Where(o => o.Owner == memberId).Select(o => new TopicPartition(o.Topic, o.TopicPartition)).Order(Comparer).ToList();
        var generation = await ReadGenerationAsync(group, cancellationToken).ConfigureAwait(false);
        return new MemberAssignment(memberId, generation, NextHeartbeat(me, live, nowMs), assigned, [.. mine.Order(Comparer)]);
    }

    /// <summary>
    /// When the member should send its next heartbeat: a third of its session, or just after the first other
    /// member's session runs out, if sooner — so a silent member's partitions move as soon as its session ends,
    /// not up to a heartbeat interval later.
    /// </summary>
    private static TimeSpan NextHeartbeat(GroupMemberEntity me, List<GroupMemberEntity> live, long nowMs)
    {
        var interval = me.SessionTimeoutMs / 3;
        var firstExpiry = live.Where(m => m.MemberId != me.MemberId).Select(m => m.ExpiresAt).DefaultIfEmpty(long.MaxValue).Min();
        if (firstExpiry != long.MaxValue)
        {
            interval = Math.Clamp(firstExpiry - nowMs + ExpiryGraceMs, MinHeartbeatMs, interval);
        }

        return TimeSpan.FromMilliseconds(interval);
    }

    /// <summary>Test seam: runs right after a heartbeat read the group, to interleave another member's heartbeat there.</summary>
    internal Func<Task>? AfterHeartbeatRead { get; set; }

    /// <summary>
    /// The owner rows that fence a member's offset commit: the member must be live and own every partition
    /// it commits. The commit then writes its offsets in one transaction with an update of each owner row
    /// under the ETag read here, so a takeover in between fails the commit instead of letting a member that
    /// lost a partition move its offset (Kafka fences such a member's commits with its generation).
    /// </summary>
    public async Task<IReadOnlyList<PartitionOwnerEntity>> FenceCommitAsync(string group, string memberId, IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        var (members, owners) = await ReadAsync(group, cancellationToken).ConfigureAwait(false);
        if (!members.TryGetValue(memberId, out var me) || me.ExpiresAt <= time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            throw UnknownMember(group, memberId);
        }

        var fence = new List<PartitionOwnerEntity>();
        foreach (var partition in partitions.Distinct())
        {
            if (!owners.TryGetValue(partition, out var owner) || owner.Owner != memberId)
            {
                throw NotOwner(group, memberId, partition);
            }

            fence.Add(owner);
        }

        return fence;
    }

    /// <summary>The error of a commit whose fence failed: the partition is no longer the member's.</summary>
    public static CloudLogException NotOwner(string group, string memberId, TopicPartition partition) =>
        new(ErrorCode.IllegalGeneration, $"Member {memberId} of group '{group}' does not own {partition.Topic}/{partition.Partition} (it was released or taken over): its offset is not the member's to commit.");

    private static CloudLogException UnknownMember(string group, string memberId) =>
        new(ErrorCode.UnknownMemberId, $"Member {memberId} is not in group '{group}' (it left, or its session ran out): join again.");

    /// <summary>
    /// Renews the member's row under the ETag it was read with. A 412 means the member itself renewed in
    /// between (a concurrent heartbeat): it is read again and renewed once more if still live. False when the
    /// row is gone (another member ended the session) or ran out.
    /// </summary>
    private async Task<bool> TryRenewAsync(GroupMemberEntity me, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await tables.Groups.UpdateEntityAsync(me, me.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return false;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                var row = await tables.Groups.GetEntityIfExistsAsync<GroupMemberEntity>(me.PartitionKey, me.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!row.HasValue || row.Value is null || row.Value.ExpiresAt <= now.ToUnixTimeMilliseconds())
                {
                    return false;
                }

                me.ETag = row.Value.ETag;
            }
        }

        return false;
    }

    /// <summary>Deletes an expired member's row as read: true when it is gone (deleted now, or already), false when it changed.</summary>
    private async Task<bool> TryDeleteExpiredAsync(GroupMemberEntity expired, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Groups.DeleteEntityAsync(expired.PartitionKey, expired.RowKey, expired.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    /// <summary>Deletes an owner row the member releases; a commit may have touched it since it was read, so it is read again once.</summary>
    private async Task<bool> ReleaseAsync(PartitionOwnerEntity owner, string memberId, CancellationToken cancellationToken)
    {
        if (await TryDeleteAsync(owner, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        var row = await tables.Groups.GetEntityIfExistsAsync<PartitionOwnerEntity>(owner.PartitionKey, owner.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue && row.Value is { } current && current.Owner == memberId && await TryDeleteAsync(current, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the group: releases everything the member owns and ends its session.</summary>
    public async Task LeaveAsync(string group, string memberId, CancellationToken cancellationToken)
    {
        var (members, owners) = await ReadAsync(group, cancellationToken).ConfigureAwait(false);
        if (!members.TryGetValue(memberId, out var me))
        {
            throw new CloudLogException(ErrorCode.UnknownMemberId, $"Member {memberId} is not in group '{group}'.");
        }

        foreach (var owner in owners.Values.Where(o => o.Owner == memberId))
        {
            await TryDeleteAsync(owner, cancellationToken).ConfigureAwait(false);
        }

        await TryDeleteAsync(me, cancellationToken).ConfigureAwait(false);
        await BumpGenerationAsync(group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A sticky assignment (the idea of Kafka's cooperative sticky assignor): each topic's partitions are split
    /// evenly over the members subscribed to it, and a member keeps the partitions it owns up to its share, so
    /// a rebalance moves only what must move — a departed member's partitions, or a newcomer's share. Given the
    /// same members and owners every member computes the same answer.
    /// </summary>
    /// <param name="members">The live members, each with the topics it subscribes to.</param>
    /// <param name="partitions">Each subscribed topic's partition count.</param>
    /// <param name="owners">Who owns each partition now (owners that are not live members are ignored).</param>
    internal static Dictionary<string, List<TopicPartition>> Assign(
        IReadOnlyList<(string MemberId, IReadOnlyCollection<string> Topics)> members,
        IReadOnlyDictionary<string, int> partitions,
        IReadOnlyDictionary<TopicPartition, string> owners)
    {
        var result = members.ToDictionary(m => m.MemberId, _ => new List<TopicPartition>(), StringComparer.Ordinal);
        var topicIndex = 0;
        foreach (var (topic, count) in partitions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var subscribers = members.Where(m => m.Topics.Contains(topic)).Select(m => m.MemberId).Order(StringComparer.Ordinal).ToList();
            if (subscribers.Count == 0)
            {
                continue;
            }

            var held = subscribers.ToDictionary(m => m, _ => new List<TopicPartition>(), StringComparer.Ordinal);
            for (var p = 0; p < count; p++)
            {
                if (owners.TryGetValue(new TopicPartition(topic, p), out var owner) && held.TryGetValue(owner, out var list))
                {
                    list.Add(new TopicPartition(topic, p));
                }
            }

            // Shares: count / members each, one more for the first count % members; those holding more get the
            // larger shares (so fewer partitions move), ties rotating by topic so small topics spread out.
            var rotation = topicIndex++ % subscribers.Count;
            var byHolding = subscribers
                .Select((m, rank) => (Member: m, Rotated: (rank - rotation + subscribers.Count) % subscribers.Count))
                .OrderByDescending(x => held[x.Member].Count).ThenBy(x => x.Rotated)
                .Select(x => x.Member).ToList();
            var share = byHolding.Select((m, i) => (m, count / subscribers.Count + (i < count % subscribers.Count ? 1 : 0))).ToDictionary(x => x.m, x => x.Item2, StringComparer.Ordinal);

            var taken = new HashSet<int>();
            foreach (var member in subscribers)
            {
                foreach (var kept in held[member].Take(share[member]))
                {
                    result[member].Add(kept);
                    taken.Add(kept.Partition);
                }
            }

            var free = new Queue<int>(Enumerable.Range(0, count).Where(p => !taken.Contains(p)));
            foreach (var member in subscribers)
            {
                while (result[member].Count(tp => tp.Topic == topic) < share[member] && free.TryDequeue(out var p))
                {
                    result[member].Add(new TopicPartition(topic, p));
                }
            }
        }

        return result;
    }

    private static readonly Comparer<TopicPartition> Comparer = Comparer<TopicPartition>.Create((a, b) =>
        string.CompareOrdinal(a.Topic, b.Topic) is var byTopic && byTopic != 0 ? byTopic : a.Partition.CompareTo(b.Partition));

    private async Task<Dictionary<string, List<TopicPartition>>> AssignAsync(List<GroupMemberEntity> live, IReadOnlyDictionary<TopicPartition, string> owners, CancellationToken cancellationToken)
    {
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in live.SelectMany(m => m.TopicList).Distinct(StringComparer.Ordinal))
        {
            if (await partitionCount(topic, cancellationToken).ConfigureAwait(false) is { } count)
            {
                partitions[topic] = count;
            }
        }

        return Assign(live.Select(m => (m.MemberId, (IReadOnlyCollection<string>)m.TopicList.ToHashSet(StringComparer.Ordinal))).ToList(), partitions, owners);
    }

    private async Task<(Dictionary<string, GroupMemberEntity> Members, Dictionary<TopicPartition, PartitionOwnerEntity> Owners)> ReadAsync(string group, CancellationToken cancellationToken)
    {
        var members = RangeAsync<GroupMemberEntity>(group, GroupMemberEntity.RowKeyPrefix, cancellationToken);
        var owners = RangeAsync<PartitionOwnerEntity>(group, PartitionOwnerEntity.RowKeyPrefix, cancellationToken);
        return (
            (await members.ConfigureAwait(false)).ToDictionary(m => m.MemberId, StringComparer.Ordinal),
            (await owners.ConfigureAwait(false)).ToDictionary(o => new TopicPartition(o.Topic, o.TopicPartition)));
    }

    private async Task<List<T>> RangeAsync<T>(string group, string prefix, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        var rows = new List<T>();
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {group} and RowKey ge {prefix} and RowKey lt {end}");
        await foreach (var row in tables.Groups.QueryAsync<T>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    private async Task<long> ReadGenerationAsync(string group, CancellationToken cancellationToken)
    {
        var row = await tables.Groups.GetEntityIfExistsAsync<GroupGenerationEntity>(group, GroupGenerationEntity.GenerationRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.Generation : 0;
    }

    private async Task BumpGenerationAsync(string group, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var row = await tables.Groups.GetEntityIfExistsAsync<GroupGenerationEntity>(group, GroupGenerationEntity.GenerationRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            var next = GroupGenerationEntity.For(group, (row.HasValue ? row.Value!.Generation : 0) + 1);
            if (await TryWriteAsync(() => row.HasValue
                ? tables.Groups.UpdateEntityAsync(next, row.Value!.ETag, TableUpdateMode.Replace, cancellationToken)
                : tables.Groups.AddEntityAsync(next, cancellationToken)).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task<bool> TryDeleteAsync(ITableEntity row, CancellationToken cancellationToken) =>
        await TryWriteAsync(() => tables.Groups.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken)).ConfigureAwait(false);

    /// <summary>The group's live members, what each owns and what the assignment gives it (reads only).</summary>
    public async Task<GroupDescription> DescribeAsync(string group, CancellationToken cancellationToken)
    {
        var (members, owners) = await ReadAsync(group, cancellationToken).ConfigureAwait(false);
        var generation = await ReadGenerationAsync(group, cancellationToken).ConfigureAwait(false);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = members.Values.Where(m => m.ExpiresAt > nowMs).OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        var target = await AssignAsync(live, owners.ToDictionary(o => o.Key, o => o.Value.Owner), cancellationToken).ConfigureAwait(false);
        var described = live.Select(m => new GroupMemberDescription(
            m.MemberId,
            m.TopicList.ToList(),
            TimeSpan.FromMilliseconds(m.SessionTimeoutMs),
            DateTimeOffset.FromUnixTimeMilliseconds(m.ExpiresAt),
            owners.Values.Where(o => o.Owner == m.MemberId).Select(o => new TopicPartition(o.Topic, o.TopicPartition)).Order(Comparer).ToList(),
            (target.TryGetValue(m.MemberId, out var share) ? share : []).Order(Comparer).ToList())).ToList();
        var state = described.Count == 0 ? GroupState.Empty
            : described.All(m => m.Assigned.SequenceEqual(m.Target)) ? GroupState.Stable
            : GroupState.Rebalancing;
        return new GroupDescription(group, generation, state, described);
    }

    /// <summary>A conditional write that another writer may win: false when it did (409, 412) or the row is gone (404).</summary>
    private static async Task<bool> TryWriteAsync(Func<Task<Response>> write)
    {
        try
        {
            await write().ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return false;
        }
    }
}

using System.Diagnostics;
using Cloud.Log.Client.Consumer;
using Cloud.Log.Client.Diagnostics;
using Cloud.Log.Client.Pipeline;

namespace Cloud.Log.Client;

/// <summary>
/// Group membership: join, heartbeats, and the cooperative rebalance the service's assignment asks for —
/// a partition taken away stops being handed out, waits for the application to finish with the records it was
/// handed (its next consume call, as Kafka's consumer revokes inside <c>poll()</c>; at most
/// <see cref="RevocationWait"/>), is committed, and only then is released to its next owner. Commits are sent one
/// at a time, each with positions read when its turn comes, so an older position never lands after a newer one.
/// </summary>
public partial class CloudLogConsumerClient
{
    private readonly List<TopicPartition> _released = [];

    /// <summary>Partitions taken away and no longer handed out, whose last handed-out records the application may still hold. Under the lock.</summary>
    private readonly List<PartitionState> _revoking = [];

    /// <summary>One commit at a time (see the type's summary).</summary>
    private readonly SemaphoreSlim _commitTurn = new(1, 1);

    /// <summary>Completed by the application's next consume call while partitions are being revoked. Under the lock.</summary>
    private TaskCompletionSource _consumeCalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CancellationTokenSource? _stopMember;

    /// <summary>
    /// How long a revocation waits for the application's next consume call: a heartbeat interval (a third of the
    /// session timeout), so the member's session never runs out meanwhile. An application that takes longer has
    /// the records it still holds delivered again to the partition's next owner (at-least-once).
    /// </summary>
    private TimeSpan RevocationWait => _options.SessionTimeout / 3;

    private async Task MemberLoopAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        var group = _options.GroupId!;
        var lastContact = Environment.TickCount64;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                GroupAssignment assignment;
                if (MemberId is not { } memberId)
                {
                    assignment = await _rest.JoinGroupAsync(group, topics, _options.SessionTimeout, cancellationToken).ConfigureAwait(false);
                    MemberId = assignment.MemberId;
                }
                else
                {
                    List<TopicPartition> released;
                    lock (_lock)
                    {
                        released = [.. _released];
                    }

                    assignment = await _rest.HeartbeatAsync(group, memberId, released, cancellationToken).ConfigureAwait(false);
                    lock (_lock)
                    {
                        _released.RemoveAll(released.Contains);
                    }
                }

                lastContact = Environment.TickCount64;
                failures = 0;
                var releasing = await ApplyAssignmentAsync(assignment, cancellationToken).ConfigureAwait(false);
                next = releasing ? TimeSpan.Zero : assignment.HeartbeatInterval; // hand released partitions over at once
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (CloudLogException e) when (e.Code == CloudLogErrorCode.UnknownMemberId)
            {
                // Our session ran out: the group gave our partitions to others. Stop reading them and join again.
                await LosePartitionsAsync(null, cancellationToken).ConfigureAwait(false);
                MemberId = null;
                next = TimeSpan.Zero;
            }
            catch (CloudLogException e)
            {
                failures++;
                if (Environment.TickCount64 - lastContact > _options.SessionTimeout.TotalMilliseconds)
                {
                    // Unheard for a whole session: the group may have moved our partitions; never read them twice.
                    await LosePartitionsAsync(null, cancellationToken).ConfigureAwait(false);
                }

                var backoff = TimeSpan.FromMilliseconds(Math.Min(_options.SessionTimeout.TotalMilliseconds / 3, 100 * Math.Pow(2, Math.Min(failures, 10))));
                next = e.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff;
            }

            try
            {
                await Task.Delay(next, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Moves to the assignment's state: partitions no longer owned are lost; owned but no longer targeted are
    /// revoked (stopped, committed, released); targeted and owned but not yet read are added. Answers whether
    /// anything is waiting to be released.
    /// </summary>
    private async Task<bool> ApplyAssignmentAsync(GroupAssignment assignment, CancellationToken cancellationToken)
    {
        var assigned = assignment.Assigned.ToHashSet();
        var target = assignment.Target.ToHashSet();
        List<PartitionState> revoked;
        List<TopicPartition> lost;
        List<TopicPartition> added;
        lock (_lock)
        {
            lost = [.. _partitions.Keys.Where(p => !assigned.Contains(p))];
            revoked = [.. _partitions.Values.Where(s => assigned.Contains(s.TopicPartition) && !target.Contains(s.TopicPartition))];
            added = [.. assignment.Assigned.Where(p => target.Contains(p) && !_partitions.ContainsKey(p))];

            // Owned by us in the service but not read here (and not ours to keep): release at once.
            _released.AddRange(assignment.Assigned.Where(p => !target.Contains(p) && !_partitions.ContainsKey(p) && !_released.Contains(p)));
        }

        if (lost.Count == 0 && revoked.Count == 0 && added.Count == 0)
        {
            lock (_lock)
            {
                return _released.Count > 0;
            }
        }

        using var activity = ClientDiagnostics.Source.StartActivity("rebalance " + _options.GroupId);
        activity?.SetTag("messaging.consumer.group.name", _options.GroupId);
        ClientDiagnostics.Rebalances.Add(1);
        await LosePartitionsAsync(lost, cancellationToken).ConfigureAwait(false);

        if (revoked.Count > 0)
        {
            lock (_lock)
            {
                foreach (var state in revoked)
                {
                    RemovePartition(state);
                    _revoking.Add(state);
                }
            }

            await AwaitApplicationAsync(revoked, cancellationToken).ConfigureAwait(false);
            List<(TopicPartition, Offset)> finished;
            lock (_lock)
            {
                finished = [.. revoked.Select(s => (s.TopicPartition, s.Consumed))];
                _revoking.RemoveAll(revoked.Contains);
            }

            if (_options.EnableAutoCommit)
            {
                await CommitQuietlyAsync(() => finished, cancellationToken).ConfigureAwait(false);
            }

            var partitions = revoked.Select(s => s.TopicPartition).ToList();
            await RaiseAsync(PartitionsRevoked, partitions, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _released.AddRange(partitions);
            }
        }

        if (added.Count > 0)
        {
            await RaiseAsync(PartitionsAssigned, added, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                foreach (var partition in added.Where(p => !_partitions.ContainsKey(p)))
                {
                    AddPartition(partition, Offset.Unset); // from the committed offset: the last owner committed before releasing it
                }
            }
        }

        lock (_lock)
        {
            return _released.Count > 0;
        }
    }

    /// <summary>Stops reading partitions another member may already read, without committing (Kafka's onPartitionsLost). Null: all.</summary>
    private async Task LosePartitionsAsync(IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken)
    {
        List<TopicPartition> lost;
        lock (_lock)
        {
            lost = partitions is null ? [.. _partitions.Keys] : [.. partitions];
            foreach (var partition in lost)
            {
                if (_partitions.TryGetValue(partition, out var state))
                {
                    RemovePartition(state);
                }
            }

            if (partitions is null)
            {
                _released.Clear();
                _revoking.Clear();
            }
        }

        await RaiseAsync(PartitionsLost, lost, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the application has finished with every record of <paramref name="revoked"/> it was handed (it
    /// called consume again, which moves <see cref="PartitionState.Consumed"/> up to the position), at most
    /// <see cref="RevocationWait"/>.
    /// </summary>
    private async Task AwaitApplicationAsync(List<PartitionState> revoked, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            Task called;
            lock (_lock)
            {
                if (revoked.All(s => s.Position.IsSpecial || s.Consumed == s.Position))
                {
                    return;
                }

                if (_consumeCalled.Task.IsCompleted)
                {
                    _consumeCalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                called = _consumeCalled.Task;
            }

            var left = RevocationWait - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await called.WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return;
            }
        }
    }

    private void StartAutoCommit()
    {
        if (_options.EnableAutoCommit && _options.GroupId is not null && _autoCommit is null)
        {
            _autoCommit = Task.Run(AutoCommitLoopAsync);
        }
    }

    private async Task AutoCommitLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.AutoCommitInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token).ConfigureAwait(false))
            {
                await CommitConsumedAsync(_closing.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Closed.
        }
    }

    /// <summary>
    /// Commits, for every partition read (and every one being revoked), the position after the records the
    /// application finished with, read when the commit's turn comes.
    /// </summary>
    private Task CommitConsumedAsync(CancellationToken cancellationToken) =>
        CommitQuietlyAsync(() => [.. _partitions.Values.Concat(_revoking).Select(s => (s.TopicPartition, s.Consumed))], cancellationToken);

    /// <summary>
    /// A commit the consumer makes by itself: a failure is not the application's to handle (the next commit, or
    /// the partition's next owner re-reading a little, covers it), so it is swallowed rather than thrown.
    /// </summary>
    private async Task CommitQuietlyAsync(Func<List<(TopicPartition Partition, Offset Offset)>> positions, CancellationToken cancellationToken)
    {
        try
        {
            await CommitPositionsAsync(positions, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudLogException)
        {
            // See above: at-least-once holds without this commit.
        }
    }

    /// <summary>
    /// Commits, in its turn, the positions <paramref name="positions"/> answers then (called under the lock) that
    /// are real and changed since their last commit; records what was committed.
    /// </summary>
    private async Task CommitPositionsAsync(Func<List<(TopicPartition Partition, Offset Offset)>> positions, CancellationToken cancellationToken)
    {
        await _commitTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<TopicPartitionOffset> changed;
            lock (_lock)
            {
                changed = [.. positions()
                    .Where(p => !p.Offset.IsSpecial && !(_partitions.TryGetValue(p.Partition, out var s) && s.Committed == p.Offset))
                    .Select(p => new TopicPartitionOffset(p.Partition, p.Offset))];
            }

            if (changed.Count == 0 || _options.GroupId is not { } group)
            {
                return;
            }

            await _rest.CommitAsync(group, changed, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                foreach (var offset in changed)
                {
                    if (_partitions.TryGetValue(offset.TopicPartition, out var state))
                    {
                        state.Committed = offset.Offset;
                    }
                }
            }
        }
        finally
        {
            _commitTurn.Release();
        }
    }
}

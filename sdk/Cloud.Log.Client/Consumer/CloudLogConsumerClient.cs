using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Azure;
using Azure.Core;
using Cloud.Log.Client.Consumer;
using Cloud.Log.Client.Diagnostics;
using Cloud.Log.Client.Pipeline;

namespace Cloud.Log.Client;

/// <summary>
/// Reads records from Cloud.Log topics, as Kafka's consumer does. Either <see cref="Subscribe(IEnumerable{string})"/>
/// with a <see cref="CloudLogConsumerClientOptions.GroupId"/>, and the group's members split the topics'
/// partitions among themselves (rebalancing as members join, leave or stop heartbeating); or
/// <see cref="Assign(IEnumerable{TopicPartitionOffset})"/> partitions yourself. Records are fetched ahead
/// (long polls of record batches, no JSON) and handed out by <see cref="ConsumeAsync(TimeSpan, CancellationToken)"/>,
/// <see cref="PollAsync"/> or <see cref="ReadRecordsAsync"/>. Offsets are committed by themselves or with
/// <see cref="CommitAsync(CancellationToken)"/>. One application thread consumes; the rest runs in the background.
/// </summary>
public partial class CloudLogConsumerClient : IAsyncDisposable
{
    private readonly CloudLogRestClient _rest = null!;
    private readonly CloudLogConsumerClientOptions _options = null!;
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];
    private readonly Channel<FetchedChunk> _chunks = Channel.CreateUnbounded<FetchedChunk>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private FetchedChunk? _current;
    private IReadOnlyList<string> _subscription = [];
    private Task? _member;
    private Task? _autoCommit;
    private bool _closed;

    /// <summary>For mocking.</summary>
    protected CloudLogConsumerClient()
    {
    }

    /// <summary>A consumer without credentials: for the standalone server on this machine.</summary>
    /// <param name="endpoint">The service, e.g. <c>http://127.0.0.1:7071</c>.</param>
    /// <param name="options">Group, offsets, fetching; null for the defaults (no group).</param>
    public CloudLogConsumerClient(Uri endpoint, CloudLogConsumerClientOptions? options = null)
        : this(endpoint, (object?)null, options)
    {
    }

    /// <summary>A consumer that authenticates with Entra ID.</summary>
    /// <param name="endpoint">The service.</param>
    /// <param name="credential">The credential.</param>
    /// <param name="options">Group, offsets, fetching; set <see cref="CloudLogClientOptions.Audience"/> to the app's.</param>
    public CloudLogConsumerClient(Uri endpoint, TokenCredential credential, CloudLogConsumerClientOptions? options = null)
        : this(endpoint, (object)credential ?? throw new ArgumentNullException(nameof(credential)), options)
    {
    }

    /// <summary>A consumer that authenticates with a function key or an API key.</summary>
    /// <param name="endpoint">The service.</param>
    /// <param name="credential">The key.</param>
    /// <param name="options">Group, offsets, fetching; null for the defaults.</param>
    public CloudLogConsumerClient(Uri endpoint, AzureKeyCredential credential, CloudLogConsumerClientOptions? options = null)
        : this(endpoint, (object)credential ?? throw new ArgumentNullException(nameof(credential)), options)
    {
    }

    private CloudLogConsumerClient(Uri endpoint, object? credential, CloudLogConsumerClientOptions? options)
    {
        _options = options?.Copy<CloudLogConsumerClientOptions>() ?? new CloudLogConsumerClientOptions();
        _rest = new CloudLogRestClient(new CloudLogPipeline(endpoint, credential, _options));
    }

    /// <summary>Raised when a rebalance gives the consumer partitions, before their first records are handed out.</summary>
    public event Func<PartitionsEventArgs, Task>? PartitionsAssigned;

    /// <summary>
    /// Raised when a rebalance takes partitions away, after the consumer stopped handing out their records and
    /// (with auto-commit) committed them, before they go to another member: commit here when committing by hand.
    /// </summary>
    public event Func<PartitionsEventArgs, Task>? PartitionsRevoked;

    /// <summary>
    /// Raised when partitions were lost without a chance to commit: the member's session ran out (it could not
    /// reach the service for longer than its session timeout) and the group gave them to others.
    /// </summary>
    public event Func<PartitionsEventArgs, Task>? PartitionsLost;

    /// <summary>The service this consumer reads from.</summary>
    public virtual Uri Endpoint => _rest.Endpoint;

    /// <summary>The consumer group, or null.</summary>
    public virtual string? GroupId => _options.GroupId;

    /// <summary>This consumer's id in its group, once it joined; null otherwise.</summary>
    public virtual string? MemberId { get; private set; }

    /// <summary>The topics subscribed to.</summary>
    public virtual IReadOnlyList<string> Subscription => _subscription;

    /// <summary>The partitions this consumer reads now.</summary>
    public virtual IReadOnlyList<TopicPartition> Assignment
    {
        get
        {
            lock (_lock)
            {
                return [.. _partitions.Keys.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)];
            }
        }
    }

    /// <summary>Subscribes to one topic with the group: see <see cref="Subscribe(IEnumerable{string})"/>.</summary>
    /// <param name="topic">The topic.</param>
    public virtual void Subscribe(string topic) => Subscribe([topic]);

    /// <summary>
    /// Joins the consumer group (<see cref="CloudLogConsumerClientOptions.GroupId"/>) subscribed to
    /// <paramref name="topics"/>; the group's members split their partitions. Each partition starts at the
    /// group's committed offset, else where <see cref="CloudLogConsumerClientOptions.AutoOffsetReset"/> says.
    /// </summary>
    /// <param name="topics">The topics; they need not exist yet.</param>
    public virtual void Subscribe(IEnumerable<string> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var list = topics.Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0 || list.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Subscribe to at least one topic, each named.", nameof(topics));
        }

        if (_options.GroupId is null)
        {
            throw new InvalidOperationException("Subscribing needs a consumer group: set CloudLogConsumerClientOptions.GroupId, or Assign partitions instead.");
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_member is not null || _partitions.Count > 0)
            {
                throw new InvalidOperationException("This consumer already reads partitions: unsubscribe first.");
            }

            _subscription = list;
            _stopMember?.Dispose();
            _stopMember = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
            var stop = _stopMember.Token;
            _member = Task.Run(() => MemberLoopAsync(list, stop));
            StartAutoCommit();
        }
    }

    /// <summary>Reads the given partitions, each from its committed offset (with a group), else per <see cref="CloudLogConsumerClientOptions.AutoOffsetReset"/>.</summary>
    /// <param name="partitions">The partitions.</param>
    public virtual void Assign(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)));
    }

    /// <summary>
    /// Reads the given partitions without a group's assignment (Kafka's <c>assign</c>), each from its offset:
    /// a number, <see cref="Offset.Beginning"/>, <see cref="Offset.End"/>, or <see cref="Offset.Unset"/> for
    /// the committed offset. Replaces any earlier assignment.
    /// </summary>
    /// <param name="partitions">The partitions and where to start.</param>
    public virtual void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var list = partitions.ToList();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_member is not null)
            {
                throw new InvalidOperationException("This consumer is subscribed with its group: unsubscribe before assigning partitions.");
            }

            foreach (var state in _partitions.Values.ToList())
            {
                RemovePartition(state);
            }

            foreach (var position in list)
            {
                AddPartition(position.TopicPartition, position.Offset);
            }

            StartAutoCommit();
        }
    }

    /// <summary>Stops reading: commits (with auto-commit), leaves the group, and forgets every partition.</summary>
    /// <param name="cancellationToken">Cancels the commit and the leave.</param>
    public virtual async Task UnsubscribeAsync(CancellationToken cancellationToken = default)
    {
        await StopReadingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The next record, waiting up to <paramref name="timeout"/> for one; null when none came. Calling it again
    /// tells the consumer the application is done with the records it was handed before (what auto-commit commits).
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until a record comes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public virtual async Task<ConsumeResult?> ConsumeAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        MarkConsumed();
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            if (TryTake() is { } record)
            {
                return record;
            }

            if (!await NextChunkAsync(deadline, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Up to <see cref="CloudLogConsumerClientOptions.MaxPollRecords"/> records (Kafka's <c>poll</c>): waits up to
    /// <paramref name="timeout"/> for the first, then takes what is already fetched. Empty when none came.
    /// </summary>
    /// <param name="timeout">How long to wait for the first record.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public virtual async Task<IReadOnlyList<ConsumeResult>> PollAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var records = new List<ConsumeResult>();
        if (await ConsumeAsync(timeout, cancellationToken).ConfigureAwait(false) is not { } first)
        {
            return records;
        }

        records.Add(first);
        while (records.Count < _options.MaxPollRecords)
        {
            if (TryTake() is { } record)
            {
                records.Add(record);
            }
            else if (!_chunks.Reader.TryPeek(out _) || !await NextChunkAsync(Environment.TickCount64, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        return records;
    }

    /// <summary>Every record as it comes, until cancelled: <c>await foreach (var record in consumer.ReadRecordsAsync(ct))</c>.</summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    public virtual async IAsyncEnumerable<ConsumeResult> ReadRecordsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ConsumeResult? record;
            try
            {
                record = await ConsumeAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            if (record is not null)
            {
                yield return record;
            }
        }
    }

    /// <summary>Commits (with auto-commit), leaves the group so its partitions move at once, and stops fetching.</summary>
    /// <param name="cancellationToken">Cancels the final commit and the leave.</param>
    public virtual async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
        }

        await StopReadingAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _closed = true;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        if (_fetcher is not null)
        {
            await _fetcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_autoCommit is not null)
        {
            await _autoCommit.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _chunks.Writer.TryComplete();
    }

    /// <summary>As <see cref="CloseAsync"/>.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _closing.Dispose();
        _commitTurn.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The next prefetched record of a partition still read at the record's epoch, or null.</summary>
    private ConsumeResult? TryTake()
    {
        lock (_lock)
        {
            while (_current is { } chunk && chunk.Next < chunk.Records.Count)
            {
                var state = chunk.State;
                if (state.Removed || chunk.Epoch != state.Epoch)
                {
                    _current = null; // a seek or a revocation made the rest stale
                    break;
                }

                var record = chunk.Records[chunk.Next++];
                state.Buffered--;
                if (state.Buffered == _options.PrefetchCount - 1)
                {
                    WakeFetcher(); // room again: the next fetch may name this partition
                }

                if (record.Offset.Value < state.Position.Value)
                {
                    continue; // before the position: the first batch of a fetch may start earlier
                }

                state.Position = record.Offset.Value + 1;
                ClientDiagnostics.RecordsConsumed.Add(1, new KeyValuePair<string, object?>("messaging.destination.name", record.Topic));
                return record;
            }

            return null;
        }
    }

    /// <summary>Makes the next fetched chunk current, waiting until <paramref name="deadline"/>; false when none came. Throws a fetch error.</summary>
    private async Task<bool> NextChunkAsync(long deadline, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        FetchedChunk? chunk;
        while (!_chunks.Reader.TryRead(out chunk))
        {
            var left = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
            if (left == TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                if (!await _chunks.Reader.WaitToReadAsync(cancellationToken).AsTask().WaitAsync(left, cancellationToken).ConfigureAwait(false))
                {
                    return false; // closed
                }
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        if (chunk.Error is { } error)
        {
            lock (_lock)
            {
                if (!chunk.State.Removed && chunk.Epoch == chunk.State.Epoch)
                {
                    throw error;
                }
            }

            return true; // an error of a partition since sought or revoked: moot
        }

        lock (_lock)
        {
            _current = chunk;
        }

        return true;
    }

    /// <summary>The application called again: it is done with every record handed out so far, of partitions being revoked too.</summary>
    private void MarkConsumed()
    {
        lock (_lock)
        {
            foreach (var state in _partitions.Values.Concat(_revoking))
            {
                if (!state.Position.IsSpecial)
                {
                    state.Consumed = state.Position;
                }
            }

            if (_revoking.Count > 0)
            {
                _consumeCalled.TrySetResult();
            }
        }
    }

    /// <summary>Starts reading a partition from <paramref name="start"/>. Under the lock.</summary>
    private PartitionState AddPartition(TopicPartition topicPartition, Offset start)
    {
        var state = new PartitionState(topicPartition, start);
        _partitions[topicPartition] = state;
        StartFetcher();
        RestartFetch();
        return state;
    }

    /// <summary>Stops reading a partition: its fetch ends and its prefetched records are dropped. Under the lock.</summary>
    private void RemovePartition(PartitionState state)
    {
        state.Removed = true;
        state.Epoch++;
        _partitions.Remove(state.TopicPartition); // a fetch in flight that names it is dropped when it answers
    }

    private async Task StopReadingAsync(CancellationToken cancellationToken)
    {
        Task? member;
        lock (_lock)
        {
            member = _member;
            _member = null;
            _stopMember?.Cancel();
        }

        if (member is not null)
        {
            await member.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_options.EnableAutoCommit && _options.GroupId is not null)
        {
            await CommitConsumedAsync(cancellationToken).ConfigureAwait(false);
        }

        string? memberId;
        lock (_lock)
        {
            foreach (var state in _partitions.Values.ToList())
            {
                RemovePartition(state);
            }

            _revoking.Clear(); // a revocation the stop cut short: committed above, released by the leave
            _current = null;
            _subscription = [];
            memberId = MemberId;
            MemberId = null;
        }

        if (memberId is not null)
        {
            try
            {
                await _rest.LeaveGroupAsync(_options.GroupId!, memberId, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudLogException)
            {
                // Best effort: a member that cannot say it leaves is dropped when its session runs out.
            }
        }
    }

    private static async Task RaiseAsync(Func<PartitionsEventArgs, Task>? handlers, List<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (handlers is null || partitions.Count == 0)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Func<PartitionsEventArgs, Task>>())
        {
            await handler(new PartitionsEventArgs(partitions, cancellationToken)).ConfigureAwait(false);
        }
    }
}

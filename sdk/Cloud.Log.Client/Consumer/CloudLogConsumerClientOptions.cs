namespace Cloud.Log.Client;

/// <summary>
/// How a <see cref="CloudLogConsumerClient"/> joins its group, fetches, prefetches and commits. The defaults are
/// Kafka's consumer defaults (named in each property). The consumer takes a copy of these options when it is
/// built: changing them afterwards does not change it.
/// </summary>
public class CloudLogConsumerClientOptions : CloudLogClientOptions
{
    private TimeSpan _autoCommitInterval = TimeSpan.FromSeconds(5);
    private TimeSpan _sessionTimeout = TimeSpan.FromSeconds(45);
    private TimeSpan _fetchMaxWait = TimeSpan.FromMilliseconds(500);
    private int _maxPartitionFetchBytes = 1_048_576;
    private int _maxPollRecords = 500;
    private int _prefetchCount = 1_000;

    /// <summary>
    /// The consumer group (<c>group.id</c>): needed to subscribe, and to commit. Members of one group split the
    /// partitions of the topics they subscribe to. Default null: assign partitions yourself.
    /// </summary>
    public string? GroupId { get; set; }

    /// <summary>Where to start in a partition the group has no committed offset for (<c>auto.offset.reset</c>). Default <see cref="AutoOffsetReset.Latest"/>.</summary>
    public AutoOffsetReset AutoOffsetReset { get; set; } = AutoOffsetReset.Latest;

    /// <summary>
    /// Whether the consumer commits by itself (<c>enable.auto.commit</c>): every <see cref="AutoCommitInterval"/>,
    /// when a partition is taken away, and on close, it commits the position after the records the application
    /// finished with — those returned before its latest consume call. A partition taken away waits for that call
    /// (at most a third of <see cref="SessionTimeout"/>) before it is committed and released, so a rebalance
    /// delivers nothing twice to an application that keeps consuming. At-least-once: a crash re-delivers at most
    /// what was returned since the last commit. Default true.
    /// </summary>
    public bool EnableAutoCommit { get; set; } = true;

    /// <summary>How often offsets are committed by themselves (<c>auto.commit.interval.ms</c>). Default 5 s.</summary>
    public TimeSpan AutoCommitInterval
    {
        get => _autoCommitInterval;
        set => _autoCommitInterval = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "An interval is positive.");
    }

    /// <summary>
    /// How long the group waits for this member's heartbeat before giving its partitions to the others
    /// (<c>session.timeout.ms</c>); heartbeats go every third of it. 1 s to 5 min. Default 45 s.
    /// </summary>
    public TimeSpan SessionTimeout
    {
        get => _sessionTimeout;
        set => _sessionTimeout = value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromMinutes(5)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "A session timeout is 1 s to 5 min.");
    }

    /// <summary>How long a fetch at the end of a partition waits on the service for new records (<c>fetch.max.wait.ms</c>, a long poll). Default 500 ms; at most 30 s.</summary>
    public TimeSpan FetchMaxWait
    {
        get => _fetchMaxWait;
        set => _fetchMaxWait = value >= TimeSpan.Zero && value <= TimeSpan.FromSeconds(30)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), "A fetch wait is 0 to 30 s.");
    }

    /// <summary>The most bytes one fetch of a partition returns (<c>max.partition.fetch.bytes</c>); at least one batch comes. Default 1 MiB.</summary>
    public int MaxPartitionFetchBytes
    {
        get => _maxPartitionFetchBytes;
        set => _maxPartitionFetchBytes = value >= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A fetch is 1024 bytes or more.");
    }

    /// <summary>The most records one <see cref="CloudLogConsumerClient.PollAsync"/> returns (<c>max.poll.records</c>). Default 500.</summary>
    public int MaxPollRecords
    {
        get => _maxPollRecords;
        set => _maxPollRecords = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one record.");
    }

    /// <summary>
    /// How many records per partition the consumer fetches ahead of the application: the next fetch starts as
    /// soon as fewer than this are waiting, so records are at hand when asked for. Default 1,000.
    /// </summary>
    public int PrefetchCount
    {
        get => _prefetchCount;
        set => _prefetchCount = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "At least one record.");
    }
}

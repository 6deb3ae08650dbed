namespace Cloud.Log.Core;

/// <summary>
/// Settings of one engine instance. Every property documents its default and its range; the engine
/// copies the options when it is built, so changing them afterwards has no effect.
/// </summary>
public sealed class CloudLogEngineOptions
{
    private string _resourcePrefix = "cloudlog";
    private int _defaultReplicationFactor = 1;
    private long _tailCacheBytesPerPartition = 8L * 1024 * 1024;
    private long _tailCacheBytes = 32L * 1024 * 1024;
    private long _readAheadBytes = 32L * 1024 * 1024;
    private int _maxBlocksPerSegment = 50_000;
    private int _indexIntervalBytes = 4 * 1024 * 1024;
    private TimeSpan _metadataCacheTtl = TimeSpan.FromSeconds(5);
    private TimeSpan _tailPollInterval = TimeSpan.FromMilliseconds(200);
    private TimeSpan _producerIdExpiration = TimeSpan.FromDays(1);
    private TimeSpan _idempotencyKeyExpiration = TimeSpan.FromHours(1);
    private long _producerCheckpointBytes = 64L * 1024 * 1024;
    private TimeSpan _replicaLagTimeMax = TimeSpan.FromSeconds(10);
    private TimeSpan _readerViewLease = TimeSpan.FromMilliseconds(500);
    private TimeSpan _orphanBlobGrace = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Prefix of every container and table the engine uses, so several logs can share one account.
    /// Default <c>cloudlog</c>; 3 to 24 lowercase letters and digits, starting with a letter.
    /// </summary>
    public string ResourcePrefix
    {
        get => _resourcePrefix;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            var valid = value.Length is >= 3 and <= 24 && char.IsAsciiLetterLower(value[0])
                && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));
            if (!valid)
            {
                throw new ArgumentException("3 to 24 lowercase letters and digits, starting with a letter.", nameof(value));
            }

            _resourcePrefix = value;
        }
    }

    /// <summary>Replication factor of a topic created without one. Default 1; at least 1.</summary>
    public int DefaultReplicationFactor
    {
        get => _defaultReplicationFactor;
        set => _defaultReplicationFactor = InRange(value, 1, 100);
    }

    /// <summary>
    /// Bytes of each partition's newest batches kept in memory, so tail readers need no storage read.
    /// Default 8 MiB; 0 turns the cache off.
    /// </summary>
    public long TailCacheBytesPerPartition
    {
        get => _tailCacheBytesPerPartition;
        set => _tailCacheBytesPerPartition = InRange(value, 0L, 1L << 34);
    }

    /// <summary>
    /// Bytes the tail caches of all partitions hold together; past it the oldest cached batches go first,
    /// whichever partition they belong to, so memory stays bounded however many partitions an instance
    /// serves. What counts is the arrays the caches keep alive (each cache copies its batches into chunks of
    /// 1 MiB and counts a chunk whole), so this is the caches' real footprint. Default 32 MiB (what else a
    /// server holds: docs/memory.md); 0 turns the caches off.
    /// </summary>
    public long TailCacheBytes
    {
        get => _tailCacheBytes;
        set => _tailCacheBytes = InRange(value, 0L, 1L << 36);
    }

    /// <summary>
    /// Bytes of segment ranges read ahead of sequential readers, all partitions together: when a fetch continues
    /// where the previous one stopped, the range after it is read while the answer goes out, so a consumer
    /// catching up waits for one storage read less per fetch. Each read is as large as the fetch that started it
    /// (1 MiB for the SDK's default); one nobody claims within 10 s is dropped. Default 32 MiB; 0 turns
    /// read-ahead off.
    /// </summary>
    public long ReadAheadBytes
    {
        get => _readAheadBytes;
        set => _readAheadBytes = InRange(value, 0L, 1L << 34);
    }

    /// <summary>
    /// Blocks after which a segment rolls, below the append blob's limit of 50,000. Default 50,000;
    /// 1 to 50,000 (tests set it low).
    /// </summary>
    public int MaxBlocksPerSegment
    {
        get => _maxBlocksPerSegment;
        set => _maxBlocksPerSegment = InRange(value, 1, 50_000);
    }

    /// <summary>
    /// Bytes of log between two entries of a segment's offset index (Kafka's <c>index.interval.bytes</c>,
    /// larger here because each entry costs a storage transaction per copy). A fetch that starts at an offset
    /// no earlier fetch ended at reads at most about this much before the first byte it returns, still in one
    /// range read. Default 4 MiB (one largest block: at 1 MiB, blocks of about 1 MiB cost an index append each,
    /// nearly doubling the transactions per record, docs/cost.md); 1 KiB to 64 MiB.
    /// </summary>
    public int IndexIntervalBytes
    {
        get => _indexIntervalBytes;
        set => _indexIntervalBytes = InRange(value, 1024, 64 * 1024 * 1024);
    }

    /// <summary>
    /// How long topic metadata (partition count, configs) is cached before it is read again. Default 5 s;
    /// a config change made through another instance takes effect here within this time.
    /// </summary>
    public TimeSpan MetadataCacheTtl
    {
        get => _metadataCacheTtl;
        set => _metadataCacheTtl = InRange(value, TimeSpan.Zero, TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// How often a long-polling fetch on an instance that does not lead the partition checks storage for
    /// new records. Default 200 ms.
    /// </summary>
    public TimeSpan TailPollInterval
    {
        get => _tailPollInterval;
        set => _tailPollInterval = InRange(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// How long a partition remembers an idempotent producer after its last batch (Kafka's
    /// <c>producer.id.expiration.ms</c>). A retry that comes later may be stored again. Default 1 day.
    /// </summary>
    public TimeSpan ProducerIdExpiration
    {
        get => _producerIdExpiration;
        set => _producerIdExpiration = InRange(value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
    }

    /// <summary>
    /// How long a partition remembers an idempotency key (a queue message's, or an HTTP
    /// <c>Idempotency-Key</c>): a second delivery within this time is answered with the first one's offsets.
    /// Keys are many and each is used once, so they are kept for less time than producers. Default 1 hour.
    /// </summary>
    public TimeSpan IdempotencyKeyExpiration
    {
        get => _idempotencyKeyExpiration;
        set => _idempotencyKeyExpiration = InRange(value, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
    }

    /// <summary>
    /// Bytes a leader may append before it persists its producer state early (it also does so at every
    /// lease renewal and release): bounds how much of the log a new leader reads after a crash to rebuild
    /// that state. Default 64 MiB; 1 MiB to 1 GiB.
    /// </summary>
    public long ProducerCheckpointBytes
    {
        get => _producerCheckpointBytes;
        set => _producerCheckpointBytes = InRange(value, 1L << 20, 1L << 30);
    }

    /// <summary>
    /// How long one replica may take to answer an append (or a seal, or a segment start) before it leaves the
    /// in-sync replicas (Kafka's <c>replica.lag.time.max.ms</c>, shorter: here the writer waits on it). Also
    /// how long a produce waits on a replica that does not answer before a follower takes over. Default 10 s;
    /// 100 ms to 5 min.
    /// </summary>
    public TimeSpan ReplicaLagTimeMax
    {
        get => _replicaLagTimeMax;
        set => _replicaLagTimeMax = InRange(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
    }

    /// <summary>
    /// How long a reader trusts the replica view and segment list it read before its next look at the tail
    /// reads them again (both at once), and how long acknowledgements wait after a roll that could not seal
    /// every copy of the segment it closed (a location that did not answer). Together the two keep invariant 7
    /// when a reader still names the old segment's copy at a location that comes back unsealed: any record
    /// acknowledged after such a roll is acknowledged at least this long after the roll was recorded, so a
    /// fetch that starts after the acknowledgement reads the segment list again first (see
    /// docs/replication.md, "Readers after a roll"). Default 500 ms; 50 ms to 10 s.
    /// </summary>
    public TimeSpan ReaderViewLease
    {
        get => _readerViewLease;
        set => _readerViewLease = InRange(value, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// How long a blob that compaction replaced (or that no segment row names) stays before the cleanup
    /// deletes it, so readers that still hold the old segment list finish their reads. Default 10 min.
    /// </summary>
    public TimeSpan OrphanBlobGrace
    {
        get => _orphanBlobGrace;
        set => _orphanBlobGrace = InRange(value, TimeSpan.Zero, TimeSpan.FromDays(7));
    }

    /// <summary>
    /// Turn-taking between instances that write one partition at once (docs/replication.md, "Writing a block"):
    /// while the partition is shared and the other writers append about once or more between two of its appends, a
    /// writer that has just appended steps aside for about as long as their turns take (a read and an append each;
    /// at most 50 ms), then reads what they appended before it appends again, instead of finding out from a refused
    /// append. Its next block holds
    /// what was queued meanwhile. Default true; false appends at once after each append (only the rarer fairness
    /// pause remains), which costs a refused append and a read on most appends while the partition is shared.
    /// </summary>
    public bool SharedWriterTurns { get; set; } = true;

    /// <summary>
    /// Test hook: called before each step of the background jobs (retention, compaction, cleanup) with the
    /// step's name, so tests can interrupt a job at every step. Null in production.
    /// </summary>
    internal Func<string, CancellationToken, Task>? StepHook { get; set; }

    /// <summary>Test hook: called when a roll is about to seal the closing segment's copies. Null in production.</summary>
    internal Func<CancellationToken, Task>? BeforeRollSeals { get; set; }

    /// <summary>Test hook: called before each read of a partition's state row. Null in production.</summary>
    internal Func<CancellationToken, Task>? BeforeStateRead { get; set; }

    internal CloudLogEngineOptions Clone() => (CloudLogEngineOptions)MemberwiseClone();

    private static T InRange<T>(T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"Must lie between {min} and {max}.");
        }

        return value;
    }
}

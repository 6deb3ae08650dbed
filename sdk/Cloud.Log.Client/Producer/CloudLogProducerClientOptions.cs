using Cloud.Log.Protocol;

namespace Cloud.Log.Client;

/// <summary>
/// How a <see cref="CloudLogProducerClient"/> batches, acknowledges and retries. The defaults are those of
/// Apache Kafka's Java producer (each property names its setting), not Confluent.Kafka's: librdkafka, under
/// Confluent.Kafka, defaults to <c>enable.idempotence=false</c>, <c>batch.size=1000000</c>, a 5 min
/// <c>message.timeout.ms</c> and the <c>consistent_random</c> (CRC32) partitioner, where this producer is
/// idempotent, cuts batches at 16,384 bytes, gives up after 2 min and partitions keys with murmur2 (Java's).
/// docs/sdk.md compares every default. The producer takes a copy of these options when it is built: changing
/// them afterwards does not change it.
/// </summary>
public class CloudLogProducerClientOptions : CloudLogClientOptions
{
    private TimeSpan _linger = TimeSpan.FromMilliseconds(5);
    private int _batchSize = 16_384;
    private int _maxRequestSize = 1_048_576;
    private TimeSpan _deliveryTimeout = TimeSpan.FromMinutes(2);
    private TimeSpan _retryBackoff = TimeSpan.FromMilliseconds(100);
    private TimeSpan _retryBackoffMax = TimeSpan.FromSeconds(1);
    private long _bufferMemory = 33_554_432;
    private TimeSpan _maxBlock = TimeSpan.FromMinutes(1);
    private TimeSpan _metadataMaxAge = TimeSpan.FromMinutes(5);

    /// <summary>When the service acknowledges a batch (<c>acks</c>). Default <see cref="Acks.All"/>.</summary>
    public Acks Acks { get; set; } = Acks.All;

    /// <summary>
    /// Whether the producer is idempotent (<c>enable.idempotence</c>): it takes a producer id from the
    /// service and numbers its batches per partition, so a batch it sends again (after a lost answer) is
    /// stored once. Needs <see cref="Acks.All"/>. Default true.
    /// </summary>
    public bool EnableIdempotence { get; set; } = true;

    /// <summary>How long a record waits for others to fill its batch (<c>linger.ms</c>). Default 5 ms; zero sends at once.</summary>
    public TimeSpan Linger
    {
        get => _linger;
        set => _linger = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "Linger is zero or more.");
    }

    /// <summary>The size at which a partition's batch is sent without waiting out <see cref="Linger"/> (<c>batch.size</c>). Default 16,384 bytes.</summary>
    public int BatchSize
    {
        get => _batchSize;
        set => _batchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A batch size is 1 byte or more.");
    }

    /// <summary>The most bytes of batches one request carries (<c>max.request.size</c>). Default 1,048,576.</summary>
    public int MaxRequestSize
    {
        get => _maxRequestSize;
        set => _maxRequestSize = value >= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A request size is 1024 bytes or more.");
    }

    /// <summary>
    /// How long after <see cref="CloudLogProducerClient.ProduceAsync(string, CloudLogMessage, CancellationToken)"/>
    /// the producer keeps trying to deliver a record before it fails it (<c>delivery.timeout.ms</c>). Default 2 min.
    /// </summary>
    public TimeSpan DeliveryTimeout
    {
        get => _deliveryTimeout;
        set => _deliveryTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "A delivery timeout is positive.");
    }

    /// <summary>The first pause before a batch is sent again after a transient failure (<c>retry.backoff.ms</c>); it doubles, with jitter. Default 100 ms.</summary>
    public TimeSpan RetryBackoff
    {
        get => _retryBackoff;
        set => _retryBackoff = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "A backoff is zero or more.");
    }

    /// <summary>The longest pause between sends of one batch (<c>retry.backoff.max.ms</c>). Default 1 s.</summary>
    public TimeSpan RetryBackoffMax
    {
        get => _retryBackoffMax;
        set => _retryBackoffMax = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "A backoff is zero or more.");
    }

    /// <summary>The most bytes of records waiting to be delivered (<c>buffer.memory</c>); past it, produce calls wait. Default 32 MiB.</summary>
    public long BufferMemory
    {
        get => _bufferMemory;
        set => _bufferMemory = value >= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A buffer is 1024 bytes or more.");
    }

    /// <summary>How long a produce call waits for buffer space or topic metadata before it fails (<c>max.block.ms</c>). Default 1 min.</summary>
    public TimeSpan MaxBlock
    {
        get => _maxBlock;
        set => _maxBlock = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "A wait is zero or more.");
    }

    /// <summary>How long a topic's partition count is cached (<c>metadata.max.age.ms</c>). Default 5 min.</summary>
    public TimeSpan MetadataMaxAge
    {
        get => _metadataMaxAge;
        set => _metadataMaxAge = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "An age is zero or more.");
    }
}

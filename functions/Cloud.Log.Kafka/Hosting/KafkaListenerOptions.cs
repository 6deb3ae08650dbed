namespace Cloud.Log.Kafka.Hosting;

/// <summary>
/// The Kafka listener's settings, section <c>CloudLog:Kafka</c> of the server's configuration
/// (environment variables <c>CloudLog__Kafka__Port</c> and so on).
/// </summary>
public sealed class KafkaListenerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "CloudLog:Kafka";

    private int _port = 9092;
    private int _maxRequestBytes = 100 * 1024 * 1024;
    private int _defaultPartitions = 1;
    private int _maxInFlightProduceRequests = 16;

    /// <summary>Whether the server listens for Kafka clients. Default false; <c>./run.sh</c> turns it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address the listener binds. Default 127.0.0.1 (loopback only); 0.0.0.0 for every interface.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The TCP port. Default 9092, Kafka's; 0 picks a free port (tests do).</summary>
    public int Port
    {
        get => _port;
        set => _port = value is >= 0 and <= 65535 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A port is 0 to 65535.");
    }

    /// <summary>
    /// The host clients are told to connect to (Metadata's one broker, FindCoordinator's coordinator):
    /// Kafka's <c>advertised.listeners</c>. Default: <see cref="Host"/>, or 127.0.0.1 when that binds every interface.
    /// </summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>The port clients are told to connect to. Default: the port the listener bound.</summary>
    public int? AdvertisedPort { get; set; }

    /// <summary>
    /// Whether a Metadata request that allows it creates a topic it names that does not exist (Kafka's
    /// <c>auto.create.topics.enable</c>). Default true, as in Kafka.
    /// </summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Partitions of a topic created by Metadata (Kafka's <c>num.partitions</c>). Default 1.</summary>
    public int DefaultPartitions
    {
        get => _defaultPartitions;
        set => _defaultPartitions = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A topic has at least one partition.");
    }

    /// <summary>
    /// The largest request frame accepted; a larger length prefix closes the connection (Kafka's
    /// <c>socket.request.max.bytes</c>). Default 100 MiB.
    /// </summary>
    public int MaxRequestBytes
    {
        get => _maxRequestBytes;
        set => _maxRequestBytes = value >= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least 1024 bytes.");
    }

    /// <summary>
    /// How many Produce requests of one connection may be in flight at once: each is answered in order, but the
    /// next is read, checked and queued at its partitions while earlier ones wait for their appends, so their
    /// batches share blocks (group commit) and their round trips overlap. 1 serves a connection's requests one
    /// at a time. Default 16 (librdkafka keeps up to 1,000,000 in flight per connection, 5 when idempotent;
    /// the Java client 5).
    /// </summary>
    public int MaxInFlightProduceRequests
    {
        get => _maxInFlightProduceRequests;
        set => _maxInFlightProduceRequests = value is >= 1 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "1 to 1024 requests.");
    }

    /// <summary>How long a connection may stay silent between requests before it is closed (Kafka's <c>connections.max.idle.ms</c>). Default 10 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the rest of a request may take to arrive once its first byte has. Default 30 seconds.</summary>
    public TimeSpan RequestReadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The TLS certificate; with none the listener is plain TCP.</summary>
    public KafkaCertificateOptions Certificate { get; set; } = new();

    /// <summary>The cluster id Metadata and DescribeCluster answer. Default "cloudlog".</summary>
    public string ClusterId { get; set; } = "cloudlog";
}

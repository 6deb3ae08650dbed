using Azure;
using Azure.Core;
using Cloud.Log.Client.Pipeline;
using Cloud.Log.Client.Producer;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Partitioning;

namespace Cloud.Log.Client;

/// <summary>
/// Produces records to Cloud.Log topics, as Kafka's producer does: records are batched per partition
/// (<see cref="CloudLogProducerClientOptions.Linger"/>, <see cref="CloudLogProducerClientOptions.BatchSize"/>),
/// sent as record batches (no JSON), retried on transient failures with each partition's order kept, and —
/// idempotence being on by default — stored once however often a batch is sent again. A keyed record goes
/// to <c>murmur2(key) % partitions</c>, the service's own partitioner; a keyless one sticks to a partition
/// until its batch is sent. Thread-safe: share one producer per process. Dispose it to deliver what it holds.
/// </summary>
public class CloudLogProducerClient : IAsyncDisposable
{
    private readonly CloudLogRestClient _rest = null!;
    private readonly TopicMetadataCache _metadata = null!;
    private readonly RecordAccumulator _accumulator = null!;
    private readonly CloudLogProducerClientOptions _options = null!;

    /// <summary>For mocking.</summary>
    protected CloudLogProducerClient()
    {
    }

    /// <summary>A producer without credentials: for the standalone server on this machine, which serves loopback callers.</summary>
    /// <param name="endpoint">The service, e.g. <c>http://127.0.0.1:7071</c>.</param>
    /// <param name="options">Batching, acks, retries; null for the defaults.</param>
    public CloudLogProducerClient(Uri endpoint, CloudLogProducerClientOptions? options = null)
        : this(endpoint, (object?)null, options)
    {
    }

    /// <summary>A producer that authenticates with Entra ID (the function app's App Service Authentication).</summary>
    /// <param name="endpoint">The service, e.g. <c>https://myapp.azurewebsites.net</c>.</param>
    /// <param name="credential">The credential, e.g. <c>DefaultAzureCredential</c>.</param>
    /// <param name="options">Batching, acks, retries; set <see cref="CloudLogClientOptions.Audience"/> to the app's.</param>
    public CloudLogProducerClient(Uri endpoint, TokenCredential credential, CloudLogProducerClientOptions? options = null)
        : this(endpoint, (object)credential ?? throw new ArgumentNullException(nameof(credential)), options)
    {
    }

    /// <summary>A producer that authenticates with a key: a function key, or an API key of the standalone server.</summary>
    /// <param name="endpoint">The service.</param>
    /// <param name="credential">The key, sent as <c>x-functions-key</c> (both hosts take it).</param>
    /// <param name="options">Batching, acks, retries; null for the defaults.</param>
    public CloudLogProducerClient(Uri endpoint, AzureKeyCredential credential, CloudLogProducerClientOptions? options = null)
        : this(endpoint, (object)credential ?? throw new ArgumentNullException(nameof(credential)), options)
    {
    }

    private CloudLogProducerClient(Uri endpoint, object? credential, CloudLogProducerClientOptions? options)
    {
        _options = options?.Copy<CloudLogProducerClientOptions>() ?? new CloudLogProducerClientOptions();
        if (_options.EnableIdempotence && _options.Acks != Acks.All)
        {
            throw new ArgumentException("An idempotent producer needs Acks.All (as in Kafka): set Acks = Acks.All, or EnableIdempotence = false.", nameof(options));
        }

        _rest = new CloudLogRestClient(new CloudLogPipeline(endpoint, credential, _options));
        _metadata = new TopicMetadataCache(_rest, _options.MetadataMaxAge);
        _accumulator = new RecordAccumulator(_rest, _options);
    }

    /// <summary>The service this producer sends to.</summary>
    public virtual Uri Endpoint => _rest.Endpoint;

    /// <summary>
    /// Produces a record to <paramref name="topic"/>, to the partition its key chooses (or, keyless, the
    /// partition the producer sticks to). Completes when it is stored as <see cref="CloudLogProducerClientOptions.Acks"/>
    /// asks, with its partition, offset and timestamp; throws <see cref="CloudLogException"/> when it cannot be
    /// delivered, its <see cref="CloudLogException.DeliveryResult"/> saying whether it may be stored anyway.
    /// Cancelling stops the wait, not the delivery.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The record.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public virtual async Task<DeliveryResult> ProduceAsync(string topic, CloudLogMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(message);
        var record = ToRecord(message);
        int partition;
        var partitionCount = await PartitionCountAsync(topic, cancellationToken).ConfigureAwait(false);
        if (message.Key is { } key)
        {
            partition = KeyPartitioner.PartitionFor(key.ToMemory().Span, partitionCount);
        }
        else
        {
            partition = _accumulator.StickyPartition(topic, partitionCount);
        }

        return await SendAsync(new TopicPartition(topic, partition), record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Produces a record to one partition, whatever its key.</summary>
    /// <param name="topicPartition">The topic and partition.</param>
    /// <param name="message">The record.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public virtual Task<DeliveryResult> ProduceAsync(TopicPartition topicPartition, CloudLogMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicPartition.Topic);
        ArgumentOutOfRangeException.ThrowIfNegative(topicPartition.Partition);
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(topicPartition, ToRecord(message), cancellationToken);
    }

    /// <summary>
    /// The partition a record with <paramref name="key"/> goes to: <c>murmur2(key) % partitions</c>, the same
    /// as the service and Kafka's Java producer compute, known before anything is sent.
    /// </summary>
    /// <param name="topic">The topic.</param>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels reading the topic's partition count.</param>
    public virtual async Task<int> GetPartitionForKeyAsync(string topic, BinaryData key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(key);
        var partitionCount = await PartitionCountAsync(topic, cancellationToken).ConfigureAwait(false);
        return KeyPartitioner.PartitionFor(key.ToMemory().Span, partitionCount);
    }

    /// <summary>Sends every record produced so far without waiting out the linger, and waits until each is delivered or failed.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public virtual Task FlushAsync(CancellationToken cancellationToken = default) => _accumulator.FlushAsync(cancellationToken);

    /// <summary>Delivers every record produced so far (as <see cref="FlushAsync"/> does), then stops.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        await _accumulator.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private async Task<DeliveryResult> SendAsync(TopicPartition topicPartition, ProducerRecord record, CancellationToken cancellationToken)
    {
        try
        {
            return await _accumulator.AppendAsync(topicPartition, record, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudLogException e) when (e.Code == CloudLogErrorCode.UnknownTopicOrPartition)
        {
            _metadata.Invalidate(topicPartition.Topic); // partitions may have been added, or the topic re-created
            throw;
        }
    }

    private async Task<int> PartitionCountAsync(string topic, CancellationToken cancellationToken)
    {
        using var blocked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        blocked.CancelAfter(_options.MaxBlock);
        try
        {
            return await _metadata.PartitionCountAsync(topic, blocked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, $"Topic '{topic}''s partitions were not known within {_options.MaxBlock}.");
        }
    }

    private static ProducerRecord ToRecord(CloudLogMessage message) => new(
        message.Key?.ToMemory(),
        message.Value?.ToMemory(),
        (message.Timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds(),
        message.Headers.Count == 0 ? [] : message.Headers.Select(h => new RecordHeader(h.Key, h.Value?.ToMemory())).ToList());
}

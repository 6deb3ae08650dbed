using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Cloud.Log.Core.Groups;
using Cloud.Log.Core.Log;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Core.Topics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cloud.Log.Core;

/// <summary>
/// The Cloud.Log engine: topics, produce, fetch, list offsets and group offsets over Azure Storage. One
/// instance per process; it is thread-safe. Produce and fetch are in CloudLogEngine.Records.cs, groups in
/// CloudLogEngine.Groups.cs.
/// </summary>
public sealed partial class CloudLogEngine : IAsyncDisposable
{
    private readonly CloudLogEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly MetadataTables _tables;
    private readonly TopicCatalog _topics;
    private readonly GroupOffsetStore _groups;
    private readonly GroupMembership _membership;
    private readonly LogContext _logContext;
    private readonly ConcurrentDictionary<(string TopicId, int Partition), Lazy<Task<PartitionLog>>> _logs = new();
    private readonly IReadOnlyList<string> _locationNames;
    private long _keylessCounter;

    private CloudLogEngine(CloudLogEngineOptions options, TimeProvider time, MetadataTables tables, IReadOnlyList<SegmentBlobs> locations, IReadOnlyList<string> locationNames, StorageRequestCounter counter, ILogger logger)
    {
        _options = options;
        _locationNames = locationNames;
        _time = time;
        _tables = tables;
        StorageRequests = counter;
        _topics = new TopicCatalog(tables, options, locations.Count, time);
        _groups = new GroupOffsetStore(tables, time);
        _membership = new GroupMembership(tables, PartitionCountOrNullAsync, time);
        _logContext = new LogContext(options, time, tables, locations, new PartitionStateStore(tables.Partitions), new ProducerStateStore(tables.Partitions), logger);
    }

    /// <summary>Storage requests this engine has sent, by kind.</summary>
    public StorageRequestCounter StorageRequests { get; }

    /// <summary>The reads this engine starts ahead of sequential readers (tests count what they served).</summary>
    internal ReadAheads ReadAheads => _logContext.ReadAheads;

    /// <summary>The arrays this engine's writers build their blocks in (tests count what is not given back).</summary>
    internal BlockBuffers Blocks => _logContext.Blocks;

    /// <summary>
    /// Bytes the tail caches of all partitions hold now: the arrays they keep alive, each counted whole (at most
    /// <see cref="CloudLogEngineOptions.TailCacheBytes"/>).
    /// </summary>
    public long TailCacheBytes => _logContext.CacheBudget.Bytes;

    /// <summary>How this engine's fetches found the high watermark they answered.</summary>
    internal TailLooks TailLooks => _logContext.TailLooks;

    /// <summary>
    /// Builds an engine over the replica <paramref name="locations"/> and creates its containers and tables
    /// where missing. The metadata tables live in <paramref name="metadataLocation"/>, by default the first
    /// replica location; give them an account of their own (zone-redundant, ideally) so that losing any one
    /// replica location leaves the metadata whole.
    /// </summary>
    public static async Task<CloudLogEngine> CreateAsync(
        IReadOnlyList<StorageLocation> locations,
        CloudLogEngineOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        StorageLocation? metadataLocation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locations);
        if (locations.Count == 0)
        {
            throw new ArgumentException("At least one storage location is needed.", nameof(locations));
        }

        var copy = (options ?? new CloudLogEngineOptions()).Clone();
        var counter = new StorageRequestCounter();
        var blobOptions = StorageClientOptions.ForBlobs(counter);
        var tableOptions = StorageClientOptions.ForTables(counter);

        // A replica location that does not answer now must not stop the instance from starting (a restart or a
        // scale-out during one location's outage): its container is created when a segment is first created
        // there (SegmentBlobs.CreateSegmentAsync), which catch-up does once the location is back.
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<CloudLogEngine>();
        var segmentBlobs = new List<SegmentBlobs>();
        foreach (var location in locations)
        {
            var container = location.CreateBlobServiceClient(blobOptions).GetBlobContainerClient(copy.ResourcePrefix + "-log");
            try
            {
                await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or AggregateException or OperationCanceledException or IOException or System.Net.Http.HttpRequestException)
            {
                logger.LogWarning(e, "Location {Location} does not answer at start-up; its log container will be created when it is back.", location.Name);
            }

            segmentBlobs.Add(new SegmentBlobs(container));
        }

        var tables = new MetadataTables((metadataLocation ?? locations[0]).CreateTableServiceClient(tableOptions), copy.ResourcePrefix);
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return new CloudLogEngine(copy, timeProvider ?? TimeProvider.System, tables, segmentBlobs, locations.Select(l => l.Name).ToList(), counter, logger);
    }

    /// <summary>Creates a topic. <paramref name="replicationFactor"/> null takes the configured default.</summary>
    public Task<TopicDescription> CreateTopicAsync(string name, int partitions = 1, int? replicationFactor = null, IReadOnlyDictionary<string, string>? configs = null, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var topic = await _topics.CreateAsync(name, partitions, replicationFactor, configs ?? new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
            return await DescribeAsync(topic, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>Every topic, by name.</summary>
    public Task<IReadOnlyList<TopicSummary>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        GuardAsync(() => _topics.ListAsync(cancellationToken));

    /// <summary>A topic's id, effective configs and partitions as they are now.</summary>
    public Task<TopicDescription> DescribeTopicAsync(string name, CancellationToken cancellationToken = default) =>
        DescribeTopicAsync(name, includeSizes: false, cancellationToken);

    /// <summary>
    /// A topic's id, effective configs and partitions as they are now; with <paramref name="includeSizes"/>, each
    /// partition's <see cref="PartitionDescription.SizeBytes"/> and <see cref="PartitionDescription.SegmentCount"/>
    /// too (a segment query and a look at the active segment per partition).
    /// </summary>
    public Task<TopicDescription> DescribeTopicAsync(string name, bool includeSizes, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var topic = await _topics.GetAsync(name, cancellationToken, refresh: true).ConfigureAwait(false);
            return await DescribeAsync(topic, cancellationToken, includeSizes).ConfigureAwait(false);
        });

    /// <summary>Sets config overrides; a null value returns that config to its default.</summary>
    public Task<TopicDescription> AlterTopicConfigsAsync(string name, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var topic = await _topics.AlterConfigsAsync(name, changes, cancellationToken).ConfigureAwait(false);
            return await DescribeAsync(topic, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>Raises the partition count to <paramref name="count"/>.</summary>
    public Task<TopicDescription> AddPartitionsAsync(string name, int count, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var topic = await _topics.AddPartitionsAsync(name, count, cancellationToken).ConfigureAwait(false);
            return await DescribeAsync(topic, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Deletes a topic: it leaves every listing at once, and every partition's active segment is sealed so
    /// no writer anywhere can append to it afterwards. Its blobs and rows are removed later by cleanup.
    /// </summary>
    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var topic = await _topics.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
            var partitions = await _logContext.States.GetStatesAsync(topic.TopicId, cancellationToken).ConfigureAwait(false);
            foreach (var partition in partitions)
            {
                var log = await GetLogAsync(topic.TopicId, partition.Partition, cancellationToken).ConfigureAwait(false);
                await log.SealActiveSegmentAsync(cancellationToken).ConfigureAwait(false);
            }

            return true;
        });

    /// <summary>
    /// Brings every partition's lagging replicas up to their leader and back into the ISR: the replica
    /// catch-up job that the timer function and the server's background service run. Copies are checked
    /// batch by batch (CRC-32C) and appended with the append-position condition, and the return to the ISR
    /// is made by the partition's lease holder, so two runs at once do no harm. A location that still does
    /// not answer is left for the next run.
    /// </summary>
    public async Task<IReadOnlyList<ReplicaCatchUp>> CatchUpReplicasAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<ReplicaCatchUp>();
        // One query for the topics, and one per topic with replicas that can lag: a single copy is always in sync.
        foreach (var topic in (await _topics.ListMetadataAsync(cancellationToken).ConfigureAwait(false)).Where(t => t.ReplicationFactor > 1))
        {
            var states = await _logContext.States.GetStatesAsync(topic.TopicId, cancellationToken).ConfigureAwait(false);
            foreach (var state in states.Where(s => s.IsrList.Count < s.ReplicaList.Count))
            {
                var partition = state.Partition;
                var log = await GetLogAsync(topic.TopicId, partition, cancellationToken).ConfigureAwait(false);
                try
                {
                    var rejoined = await log.CatchUpAsync(cancellationToken).ConfigureAwait(false);
                    if (rejoined.Count > 0)
                    {
                        result.Add(new ReplicaCatchUp(topic.Name, partition, rejoined));
                    }
                }
                catch (CloudLogException e) when (e.IsRetriable)
                {
                    _logContext.Logger.LogWarning(e, "Catch-up of {Topic}/{Partition} did not run: {Detail}", topic.Name, partition, e.Message);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Probes every storage location with one cheap request each (and the metadata tables in the first),
    /// in parallel, each given <paramref name="timeout"/> at most.
    /// </summary>
    public async Task<IReadOnlyList<LocationHealth>> CheckHealthAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        async Task<LocationHealth> ProbeAsync(int location)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                var container = _logContext.Locations[location].Container;
                try
                {
                    await container.GetPropertiesAsync(cancellationToken: limit.Token).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == "ContainerNotFound")
                {
                    // The location was down when this engine started, and answers now: create what it missed.
                    await container.CreateIfNotExistsAsync(cancellationToken: limit.Token).ConfigureAwait(false);
                }
                if (location == 0)
                {
                    await foreach (var _ in _tables.Topics.QueryAsync<TopicEntity>(maxPerPage: 1, cancellationToken: limit.Token).AsPages().ConfigureAwait(false))
                    {
                        break; // one page answered: the table service is up
                    }
                }

                return new LocationHealth(_locationNames[location], true, null);
            }
            catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or InvalidOperationException)
            {
                var why = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : e.Message.Split('\n')[0];
                return new LocationHealth(_locationNames[location], false, why);
            }
        }

        return await Task.WhenAll(Enumerable.Range(0, _locationNames.Count).Select(ProbeAsync)).ConfigureAwait(false);
    }

    /// <summary>Stops every partition writer after it has appended what was queued, and releases their leases.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _logs.Values)
        {
            if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
            {
                await entry.Value.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<TopicDescription> DescribeAsync(TopicMetadata topic, CancellationToken cancellationToken, bool includeSizes = false)
    {
        var states = await _logContext.States.GetStatesAsync(topic.TopicId, cancellationToken).ConfigureAwait(false);
        var partitions = await Task.WhenAll(states
            .Select(s => (State: s, Partition: s.Partition))
            .Where(s => s.Partition < topic.PartitionCount)
            .OrderBy(s => s.Partition)
            .Select(async s =>
            {
                var log = await GetLogAsync(topic.TopicId, s.Partition, cancellationToken).ConfigureAwait(false);
                var highWatermark = log.GetHighWatermarkAsync(cancellationToken);
                var size = includeSizes ? await log.MeasureAsync(s.State.Leader, cancellationToken).ConfigureAwait(false) : default((long, int)?);
                return new PartitionDescription(s.Partition, s.State.Leader, s.State.Epoch, s.State.ReplicaList, s.State.IsrList, s.State.LogStartOffset, await highWatermark.ConfigureAwait(false), size?.Item1, size?.Item2);
            })).ConfigureAwait(false);
        return new TopicDescription(topic.Name, topic.TopicId, topic.ReplicationFactor, topic.Config.Effective, partitions);
    }

    private Task<PartitionLog> GetLogAsync(string topicId, int partition, CancellationToken cancellationToken)
    {
        var lazy = _logs.GetOrAdd((topicId, partition), key => new Lazy<Task<PartitionLog>>(() =>
            Task.FromResult(new PartitionLog(_logContext, key.TopicId, key.Partition))));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            _logs.TryRemove(new KeyValuePair<(string, int), Lazy<Task<PartitionLog>>>((topicId, partition), lazy));
        }

        return task;
    }

    /// <summary>Runs an operation and turns storage failures that reach this far into the contract's errors.</summary>
    private static async Task<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw StorageErrors.ToCloudLog(e);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions.All(x => x is RequestFailedException))
        {
            // The SDK's retry policy gave up on a store that never answered (connection refused, timeouts).
            throw StorageErrors.ToCloudLog((RequestFailedException)e.InnerExceptions[^1]);
        }
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Naming;

namespace Cloud.Log.Core.Topics;

/// <summary>
/// Topics in Table storage: create, list, read (cached for <see cref="CloudLogEngineOptions.MetadataCacheTtl"/>),
/// alter configs, add partitions, delete.
/// </summary>
internal sealed class TopicCatalog(MetadataTables tables, CloudLogEngineOptions options, int locationCount, TimeProvider time)
{
    public const int MaxPartitions = 10_000;

    private readonly ConcurrentDictionary<string, TopicMetadata> _cache = new(StringComparer.Ordinal);

    /// <summary>The reads of a topic's row under way for callers whose cached copy aged out: they share one.</summary>
    private readonly ConcurrentDictionary<string, Lazy<Task<TopicMetadata>>> _reads = new(StringComparer.Ordinal);

    public static void ValidateName(string? topic)
    {
        if (!ResourceNames.IsValid(topic))
        {
            throw new CloudLogException(ErrorCode.InvalidTopic, "Topic names are 1 to 249 characters of a-z A-Z 0-9 . _ - and not '.' or '..'.");
        }
    }

    public async Task<TopicMetadata> CreateAsync(string name, int partitions, int? replicationFactor, IReadOnlyDictionary<string, string> configs, CancellationToken cancellationToken)
    {
        ValidateName(name);
        if (partitions is < 1 or > MaxPartitions)
        {
            throw new CloudLogException(ErrorCode.InvalidPartitions, $"Partitions must be 1 to {MaxPartitions}.");
        }

        var rf = replicationFactor ?? Math.Min(options.DefaultReplicationFactor, locationCount);
        if (rf < 1 || rf > locationCount)
        {
            throw new CloudLogException(ErrorCode.InvalidReplicationFactor, $"Replication factor must be 1 to {locationCount}, the number of replica locations.");
        }

        var config = TopicConfig.Parse(configs);
        var existing = await tables.Topics.GetEntityIfExistsAsync<TopicEntity>(TopicEntity.Partition, name, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (existing.HasValue)
        {
            throw new CloudLogException(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
        }

        // Partition rows first: under a fresh topic id they are invisible until the topic row exists.
        var topicId = Guid.NewGuid().ToString("N");
        await InsertPartitionsAsync(topicId, 0, partitions, rf, cancellationToken).ConfigureAwait(false);
        var entity = new TopicEntity
        {
            PartitionKey = TopicEntity.Partition,
            RowKey = name,
            TopicId = topicId,
            PartitionCount = partitions,
            ReplicationFactor = rf,
            ConfigOverrides = JsonSerializer.Serialize(config.Overrides),
            CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        try
        {
            await tables.Topics.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another create of the same name won the race: take our unreferenced partition rows away again.
            await DeletePartitionRowsAsync(topicId, partitions, CancellationToken.None).ConfigureAwait(false);
            throw new CloudLogException(ErrorCode.TopicAlreadyExists, $"Topic '{name}' already exists.");
        }

        return Remember(entity);
    }

    public async Task<IReadOnlyList<TopicSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<TopicSummary>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TopicEntity.Partition}");
        await foreach (var topic in tables.Topics.QueryAsync<TopicEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(new TopicSummary(topic.RowKey, topic.PartitionCount, topic.ReplicationFactor));
        }

        return result.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Every topic with its partitions and config, read now in one query (the rows the listing reads hold them
    /// all), and remembered: what the background jobs go through, so a run costs no read per topic.
    /// </summary>
    public async Task<IReadOnlyList<TopicMetadata>> ListMetadataAsync(CancellationToken cancellationToken)
    {
        var result = new List<TopicMetadata>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TopicEntity.Partition}");
        await foreach (var topic in tables.Topics.QueryAsync<TopicEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(Remember(topic));
        }

        return result.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The topic, from the cache while it is fresh; UNKNOWN_TOPIC_OR_PARTITION when it does not exist.</summary>
    public async Task<TopicMetadata> GetAsync(string name, CancellationToken cancellationToken, bool refresh = false)
    {
        ValidateName(name);
        if (!refresh && _cache.TryGetValue(name, out var cached) && time.GetUtcNow() - cached.LoadedAt < options.MetadataCacheTtl)
        {
            return cached;
        }

        if (refresh)
        {
            return Remember(await ReadAsync(name, cancellationToken).ConfigureAwait(false));
        }

        // Callers that find the copy aged out at once (every produce call of a busy instance) share one read of
        // the row: it began after their copy aged out, so what they get is as fresh as a read of their own.
        var read = _reads.GetOrAdd(name, n => new Lazy<Task<TopicMetadata>>(() => ReadSharedAsync(n)));
        return await read.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<TopicMetadata> ReadSharedAsync(string name)
    {
        try
        {
            return Remember(await ReadAsync(name, CancellationToken.None).ConfigureAwait(false));
        }
        finally
        {
            _reads.TryRemove(name, out _);
        }
    }

    public async Task<TopicMetadata> AlterConfigsAsync(string name, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var entity = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        var config = ParseStored(entity).With(changes);
        entity.ConfigOverrides = JsonSerializer.Serialize(config.Overrides);
        await UpdateAsync(entity, cancellationToken).ConfigureAwait(false);
        return Remember(entity);
    }

    public async Task<TopicMetadata> AddPartitionsAsync(string name, int count, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var entity = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        if (count <= entity.PartitionCount || count > MaxPartitions)
        {
            throw new CloudLogException(ErrorCode.InvalidPartitions, $"The new count must be above {entity.PartitionCount} and at most {MaxPartitions}.");
        }

        await InsertPartitionsAsync(entity.TopicId, entity.PartitionCount, count, entity.ReplicationFactor, cancellationToken).ConfigureAwait(false);
        entity.PartitionCount = count;
        await UpdateAsync(entity, cancellationToken).ConfigureAwait(false);
        return Remember(entity);
    }

    /// <summary>Removes the topic from every listing and records its id for the cleanup job.</summary>
    public async Task<TopicMetadata> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var entity = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        var deleted = new DeletedTopicEntity
        {
            PartitionKey = DeletedTopicEntity.Partition,
            RowKey = entity.TopicId,
            Name = name,
            PartitionCount = entity.PartitionCount,
            DeletedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        await tables.DeletedTopics.UpsertEntityAsync(deleted, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        try
        {
            await tables.Topics.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw CloudLogException.UnknownTopic(name);
        }

        _cache.TryRemove(name, out _);
        return ToMetadata(entity);
    }

    private static TopicConfig ParseStored(TopicEntity entity) =>
        TopicConfig.Parse(JsonSerializer.Deserialize<Dictionary<string, string>>(entity.ConfigOverrides) ?? []);

    private TopicMetadata ToMetadata(TopicEntity entity) =>
        new(entity.RowKey, entity.TopicId, entity.PartitionCount, entity.ReplicationFactor, ParseStored(entity), time.GetUtcNow());

    private TopicMetadata Remember(TopicEntity entity)
    {
        var metadata = ToMetadata(entity);
        _cache[entity.RowKey] = metadata;
        return metadata;
    }

    private async Task<TopicEntity> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var row = await tables.Topics.GetEntityIfExistsAsync<TopicEntity>(TopicEntity.Partition, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is null)
        {
            _cache.TryRemove(name, out _);
            throw CloudLogException.UnknownTopic(name);
        }

        return row.Value;
    }

    private async Task UpdateAsync(TopicEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Topics.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new CloudLogException(ErrorCode.StorageUnavailable, $"Topic '{entity.RowKey}' was changed concurrently; retry.") { RetryAfter = TimeSpan.FromMilliseconds(100) };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw CloudLogException.UnknownTopic(entity.RowKey);
        }
    }

    private async Task DeletePartitionRowsAsync(string topicId, int count, CancellationToken cancellationToken)
    {
        var actions = Enumerable.Range(0, count)
            .Select(p => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(topicId, PartitionStateEntity.RowKeyFor(p)), ETag.All))
            .ToList();
        await MetadataTables.SubmitInChunksAsync(tables.Partitions, actions, cancellationToken).ConfigureAwait(false);
    }

    private async Task InsertPartitionsAsync(string topicId, int from, int to, int replicationFactor, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>();
        for (var p = from; p < to; p++)
        {
            // Spread replicas and leaders round-robin over the locations, so leaders are balanced.
            var replicas = Enumerable.Range(0, replicationFactor).Select(r => (p + r) % locationCount).ToList();
            var entity = new PartitionStateEntity
            {
                PartitionKey = topicId,
                RowKey = PartitionStateEntity.RowKeyFor(p),
                ReplicaList = replicas,
                IsrList = replicas,
                Leader = replicas[0],
                LogStartOffset = 0,
            };
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, entity));
        }

        try
        {
            await MetadataTables.SubmitInChunksAsync(tables.Partitions, actions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Some rows exist already: a concurrent add of partitions inserted them, and a writer may be using
            // them. They are never replaced (that would put a partition in use back to epoch 0 with its
            // lagging copies in the ISR); the missing ones are inserted one by one, the existing ones kept.
            foreach (var action in actions)
            {
                try
                {
                    await tables.Partitions.AddEntityAsync((PartitionStateEntity)action.Entity, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException exists) when (exists.Status == 409)
                {
                    // kept as it is
                }
            }
        }
    }
}

using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Cloud.Log.Core.Lifecycle;
using Cloud.Log.Core.Log;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Topics;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core;

/// <summary>
/// The segment lifecycle, as the background jobs run it: retention, compaction and the removal of deleted
/// topics. Each can run on several instances at once, and be killed at any step, without harm.
/// </summary>
public sealed partial class CloudLogEngine
{
    /// <summary>
    /// Applies each topic's <c>retention.ms</c> and <c>retention.bytes</c> (topics whose cleanup.policy
    /// includes <c>delete</c>): deletes whole closed segments, oldest first, from every replica, and moves
    /// the log start past them. Config changes apply at the next run. A run reads the topic list and, per
    /// topic, its state rows and segment rows (one query each); only partitions with work to do read more.
    /// </summary>
    public Task<IReadOnlyList<SegmentCleanup>> EnforceRetentionAsync(CancellationToken cancellationToken = default) =>
        ForEachTopicAsync(
            async (topic, token) =>
            {
                var now = _logContext.Time.GetUtcNow().ToUnixTimeMilliseconds();
                return await ForEachPartitionAsync(
                    topic,
                    (state, segments) => PartitionLifecycle.HasRetentionWork(topic.Topic.Config, state, segments, now),
                    (log, state, segments, t) => log.EnforceRetentionAsync(topic.Topic.Name, topic.Topic.Config, state, segments, t),
                    new Dictionary<int, long>(),
                    token).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// Compacts each topic whose cleanup.policy includes <c>compact</c>: closed segments keep the newest record
    /// of each key (and tombstones until <c>delete.retention.ms</c>), at unchanged offsets. Also sweeps, in every
    /// topic, the blobs compaction replaced (once readers can no longer be on them) and blobs no segment row
    /// names: one listing per topic and location. Topics whose cleanup.policy is only <c>delete</c> cost a run
    /// their two queries and that listing, nothing per partition.
    /// </summary>
    public Task<IReadOnlyList<SegmentCleanup>> CompactAsync(CancellationToken cancellationToken = default) =>
        ForEachTopicAsync(
            async (topic, token) =>
            {
                var freed = await topic.SweepAsync(token).ConfigureAwait(false);
                return await ForEachPartitionAsync(
                    topic,
                    (state, segments) => PartitionLifecycle.HasCompactionWork(topic.Topic.Config, state, segments),
                    (log, state, segments, t) => log.CompactAsync(topic.Topic.Name, topic.Topic.Config, state, segments, t),
                    freed,
                    token).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// Removes what deleted topics left: every blob under the topic id at every location, and every row of
    /// its partitions. A topic created again under the same name has another id and is not touched. Answers
    /// the ids of the topics cleaned up.
    /// </summary>
    public async Task<IReadOnlyList<string>> CleanUpDeletedTopicsAsync(CancellationToken cancellationToken = default)
    {
        var cleaned = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DeletedTopicEntity.Partition}");
        await foreach (var deleted in _tables.DeletedTopics.QueryAsync<DeletedTopicEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var topicId = deleted.RowKey;
            foreach (var location in _logContext.Locations)
            {
                await StepAsync("cleanup:blobs", cancellationToken).ConfigureAwait(false);
                await foreach (var blob in location.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, topicId + "/", cancellationToken).ConfigureAwait(false))
                {
                    await location.Container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }

            await StepAsync("cleanup:rows", cancellationToken).ConfigureAwait(false);
            var rows = new List<TableTransactionAction>();
            await foreach (var row in _tables.Partitions.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {topicId}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
            }

            await MetadataTables.SubmitInChunksAsync(_tables.Partitions, rows, cancellationToken).ConfigureAwait(false);
            await StepAsync("cleanup:marker", cancellationToken).ConfigureAwait(false);
            try
            {
                await _tables.DeletedTopics.DeleteEntityAsync(deleted.PartitionKey, deleted.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }

            foreach (var key in _logs.Keys.Where(k => k.TopicId == topicId).ToList())
            {
                if (_logs.TryRemove(key, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                {
                    await lazy.Value.Result.DisposeAsync().ConfigureAwait(false);
                }
            }

            _logContext.Logger.LogInformation("Removed the data of deleted topic {Topic} ({TopicId}).", deleted.Name, topicId);
            cleaned.Add(topicId);
        }

        return cleaned;
    }

    /// <summary>Runs a lifecycle job over every topic, from one listing; a topic whose rows cannot be read now is left for the next run.</summary>
    private async Task<IReadOnlyList<SegmentCleanup>> ForEachTopicAsync(Func<TopicLifecycle, CancellationToken, Task<List<SegmentCleanup>>> work, CancellationToken cancellationToken)
    {
        var result = new List<SegmentCleanup>();
        foreach (var topic in await _topics.ListMetadataAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var loaded = await TopicLifecycle.LoadAsync(_logContext, topic, cancellationToken).ConfigureAwait(false);
                result.AddRange(await work(loaded, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is RequestFailedException or AggregateException)
            {
                _logContext.Logger.LogWarning(e, "Lifecycle of {Topic} did not run: {Detail}", topic.Name, e.Message);
            }
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the partitions of a topic that <paramref name="due"/> picks (from the rows
    /// read for the whole topic), with those rows; <paramref name="freed"/> adds bytes the topic's sweep freed.
    /// </summary>
    private async Task<List<SegmentCleanup>> ForEachPartitionAsync(
        TopicLifecycle topic,
        Func<PartitionStateEntity, IReadOnlyList<SegmentInfo>, bool> due,
        Func<PartitionLog, PartitionStateEntity, IReadOnlyList<SegmentInfo>, CancellationToken, Task<SegmentCleanup>> work,
        IReadOnlyDictionary<int, long> freed,
        CancellationToken cancellationToken)
    {
        var result = new List<SegmentCleanup>();
        foreach (var state in topic.States)
        {
            var partition = state.Partition;
            var segments = topic.SegmentsOf(partition);
            var swept = freed.GetValueOrDefault(partition);
            if (!due(state, segments))
            {
                if (swept > 0)
                {
                    result.Add(new SegmentCleanup(topic.Topic.Name, partition, 0, 0, swept, state.LogStartOffset));
                }

                continue;
            }

            var log = await GetLogAsync(topic.Topic.TopicId, partition, cancellationToken).ConfigureAwait(false);
            try
            {
                var done = await work(log, state, segments, cancellationToken).ConfigureAwait(false);
                done = done with { BytesFreed = done.BytesFreed + swept };
                if (done.SegmentsDeleted + done.SegmentsCompacted > 0 || done.BytesFreed > 0)
                {
                    result.Add(done);
                }
            }
            catch (Exception e) when (e is RequestFailedException or AggregateException
                || (e is CloudLogException c && (c.IsRetriable || c.Code == Protocol.Errors.ErrorCode.UnknownTopicOrPartition)))
            {
                // Storage trouble in one partition leaves it for the next run; the others go on.
                _logContext.Logger.LogWarning(e, "Lifecycle of {Topic}/{Partition} did not run: {Detail}", topic.Topic.Name, partition, e.Message);
            }
        }

        return result;
    }

    private Task StepAsync(string step, CancellationToken cancellationToken) =>
        _options.StepHook?.Invoke(step, cancellationToken) ?? Task.CompletedTask;
}

using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Topics;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>
/// What the background jobs read of one topic, one query each for the whole topic rather than one per
/// partition: every partition's state row and every segment row. From them the jobs tell which partitions
/// have anything to do (a retention run over idle partitions reads nothing more), and the sweep of blobs
/// no segment row names runs once per topic and location. A partition whose rows change between this read
/// and its work is no harm: every change the work makes is conditioned on the rows as they are then.
/// </summary>
internal sealed class TopicLifecycle
{
    private readonly LogContext _context;
    private readonly List<SegmentEntity> _rows;
    private readonly Dictionary<int, List<SegmentInfo>> _segments;

    private TopicLifecycle(LogContext context, TopicMetadata topic, IReadOnlyList<PartitionStateEntity> states, List<SegmentEntity> rows)
    {
        _context = context;
        Topic = topic;
        States = [.. states.Where(s => s.Partition < topic.PartitionCount).OrderBy(s => s.Partition)];
        _rows = rows;
        _segments = rows
            .GroupBy(r => PartitionOf(r.RowKey))
            .ToDictionary(g => g.Key, g => g.Select(SegmentInfo.From).OrderBy(s => s.RowKey, StringComparer.Ordinal).ToList());
    }

    public TopicMetadata Topic { get; }

    /// <summary>The partitions' state rows, by partition, as read.</summary>
    public IReadOnlyList<PartitionStateEntity> States { get; }

    /// <summary>Reads the topic's state rows and segment rows (two queries, at once).</summary>
    public static async Task<TopicLifecycle> LoadAsync(LogContext context, TopicMetadata topic, CancellationToken cancellationToken)
    {
        var states = context.States.GetStatesAsync(topic.TopicId, cancellationToken);
        var rows = new List<SegmentEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {topic.TopicId} and Kind eq {SegmentEntity.SegmentKind}");
        await foreach (var row in context.Tables.Partitions.QueryAsync<SegmentEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return new TopicLifecycle(context, topic, await states.ConfigureAwait(false), rows);
    }

    /// <summary>A partition's segments in offset order (then by creating epoch), as read.</summary>
    public IReadOnlyList<SegmentInfo> SegmentsOf(int partition) => _segments.TryGetValue(partition, out var segments) ? segments : [];

    /// <summary>
    /// Deletes, once the grace period has passed, the blobs that compaction replaced, and at every location the
    /// topic's blobs that no segment row names (a compaction or a segment start that did not finish): one listing
    /// per location for the whole topic. Answers the bytes freed, by partition.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, long>> SweepAsync(CancellationToken cancellationToken)
    {
        var graceStart = (_context.Time.GetUtcNow() - _context.Options.OrphanBlobGrace).ToUnixTimeMilliseconds();
        var replicas = States.ToDictionary(s => s.Partition, s => s.ReplicaList);
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in _rows)
        {
            named.Add(row.BlobName);
            if (row.ReplacedBlob.Length == 0)
            {
                continue;
            }

            if (row.ReplacedAt >= graceStart)
            {
                named.Add(row.ReplacedBlob);
                continue;
            }

            await StepAsync("compaction:sweep-replaced", cancellationToken).ConfigureAwait(false);
            foreach (var location in replicas.TryGetValue(PartitionOf(row.RowKey), out var at) ? at : [])
            {
                await DeleteSegmentBlobsAsync(location, row.ReplacedBlob, cancellationToken).ConfigureAwait(false);
            }

            row.ReplacedBlob = "";
            try
            {
                await _context.Tables.Partitions.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Changed or gone meanwhile; the next run looks again.
            }
        }

        var freed = new Dictionary<int, long>();
        var prefix = Topic.TopicId + "/";
        foreach (var location in replicas.Values.SelectMany(r => r).Distinct().Order())
        {
            try
            {
                await foreach (var blob in _context.Locations[location].Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
                {
                    var data = blob.Name.EndsWith(".index", StringComparison.Ordinal) ? blob.Name[..^".index".Length] + ".log" : blob.Name;
                    if (!named.Contains(data) && blob.Properties.CreatedOn?.ToUnixTimeMilliseconds() < graceStart)
                    {
                        await StepAsync("compaction:sweep-orphan", cancellationToken).ConfigureAwait(false);
                        await _context.Locations[location].Container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                        var partition = PartitionOfBlob(blob.Name, prefix.Length);
                        freed[partition] = freed.GetValueOrDefault(partition) + (blob.Properties.ContentLength ?? 0);
                    }
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or AggregateException)
            {
                _context.Logger.LogInformation(e, "Location {Location} was not swept this time.", location);
            }
        }

        return freed;
    }

    /// <summary>The partition a segment row belongs to: its row key starts <c>{partition:D5}|s|</c>.</summary>
    private static int PartitionOf(string rowKey) => int.Parse(rowKey.AsSpan(0, 5), CultureInfo.InvariantCulture);

    /// <summary>The partition of a blob named <c>{topicId}/{partition:D5}/…</c>; -1 for any other name.</summary>
    private static int PartitionOfBlob(string name, int start) =>
        name.Length > start + 5 && int.TryParse(name.AsSpan(start, 5), NumberStyles.None, CultureInfo.InvariantCulture, out var partition) ? partition : -1;

    /// <summary>Deletes a segment's data and index blobs at one location; one that does not answer keeps them for now.</summary>
    private async Task DeleteSegmentBlobsAsync(int location, string name, CancellationToken cancellationToken)
    {
        var container = _context.Locations[location].Container;
        try
        {
            await container.DeleteBlobIfExistsAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            await container.DeleteBlobIfExistsAsync(Storage.SegmentBlobs.IndexBlobName(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or AggregateException)
        {
            _context.Logger.LogInformation(e, "Location {Location} kept {Blob} for now.", location, name);
        }
    }

    private Task StepAsync(string step, CancellationToken cancellationToken) =>
        _context.Options.StepHook?.Invoke(step, cancellationToken) ?? Task.CompletedTask;
}

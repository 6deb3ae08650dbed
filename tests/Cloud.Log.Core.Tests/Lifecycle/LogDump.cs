using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Tests.Lifecycle;

/// <summary>Reads a partition back whole, and lists what storage holds of a topic, for the lifecycle tests.</summary>
internal static class LogDump
{
    /// <summary>Every record from the log start to the high watermark, following nextOffset (so gaps must be crossed).</summary>
    public static async Task<List<ConsumerRecord>> ReadAllAsync(CloudLogEngine engine, string topic, int partition = 0)
    {
        var records = new List<ConsumerRecord>();
        var first = await engine.FetchAsync(topic, partition, null, maxRecords: 7);
        records.AddRange(first.Records);
        var next = first.NextOffset;
        for (var guard = 0; next < first.HighWatermark && guard < 10_000; guard++)
        {
            var fetched = await engine.FetchAsync(topic, partition, next, maxRecords: 7);
            Assert.True(fetched.NextOffset > next, $"fetch at {next} made no progress");
            records.AddRange(fetched.Records);
            next = fetched.NextOffset;
        }

        return records;
    }

    /// <summary>The segment rows of one partition: blob, base offset, end offset, committed size (in offset order).</summary>
    public static async Task<List<(string Blob, long Base, long? End, long? Size)>> SegmentRowsAsync(string metadataConnection, string prefix, string topicId, int partition = 0)
    {
        var table = new TableClient(metadataConnection, prefix + "partitions");
        var rows = new List<(string, long, long?, long?)>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == topicId))
        {
            if (row.GetString("Kind") == "segment" && row.RowKey.StartsWith($"{partition:D5}|", StringComparison.Ordinal))
            {
                rows.Add((row.GetString("BlobName"), long.Parse(row.RowKey[8..28], System.Globalization.CultureInfo.InvariantCulture), row.GetInt64("EndOffset"), row.GetInt64("SizeBytes")));
            }
        }

        return rows.OrderBy(r => r.Item2).ToList();
    }

    /// <summary>Every blob name (with its length) a location holds under a prefix.</summary>
    public static async Task<Dictionary<string, long>> BlobsAsync(string connectionString, string prefix, string under)
    {
        var container = new BlobServiceClient(connectionString).GetBlobContainerClient(prefix + "-log");
        var blobs = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, under, default))
        {
            blobs[blob.Name] = blob.Properties.ContentLength ?? 0;
        }

        return blobs;
    }

    public static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? System.Text.Encoding.UTF8.GetString(b.Span) : null;
}

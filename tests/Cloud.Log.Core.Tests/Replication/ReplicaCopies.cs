using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>Reads what each replica location holds of a partition, segment by segment, to compare copies.</summary>
internal static class ReplicaCopies
{
    /// <summary>The partition's segments as the metadata records them: blob name and committed size (null while active).</summary>
    public static async Task<List<(string Blob, long? Size)>> SegmentsAsync(ReplicatedStorage storage, string prefix, string topic, int partition)
    {
        var topics = new TableClient(storage.Metadata.ConnectionString, prefix + "topics");
        var topicId = (await topics.GetEntityAsync<TableEntity>("topics", topic)).Value.GetString("TopicId");
        var rows = new TableClient(storage.Metadata.ConnectionString, prefix + "partitions");
        var from = $"{partition:D5}|s|";
        var segments = new List<(string, long?)>();
        await foreach (var row in rows.QueryAsync<TableEntity>(e => e.PartitionKey == topicId && e.RowKey.CompareTo(from) > 0 && e.RowKey.CompareTo($"{partition:D5}|s}}") < 0))
        {
            if (row.GetInt64("EndOffset") is { } end && row.GetInt64("SizeBytes") == 0)
            {
                continue; // empty closed segment
            }

            segments.Add((row.GetString("BlobName"), row.GetInt64("SizeBytes")));
        }

        return segments;
    }

    /// <summary>The batches of one location's copy of a segment, up to <paramref name="size"/> bytes (the whole copy when null).</summary>
    public static async Task<List<byte[]>> BatchesAsync(ReplicatedStorage storage, int location, string prefix, string blob, long? size)
    {
        var client = new BlobServiceClient(storage.Replicas[location].ConnectionString).GetBlobContainerClient(prefix + "-log").GetBlobClient(blob);
        var content = (await client.DownloadContentAsync()).Value.Content.ToArray();
        var data = size is { } s ? content.AsSpan(0, (int)s).ToArray() : content;
        var batches = new List<byte[]>();
        var position = 0;
        while (position < data.Length)
        {
            Assert.True(RecordBatch.TryReadHeader(data.AsSpan(position), out var header));
            var bytes = data.AsSpan(position, header.TotalSize).ToArray();
            RecordBatch.VerifyCrc(bytes);
            batches.Add(bytes);
            position += header.TotalSize;
        }

        return batches;
    }

    /// <summary>Asserts that <paramref name="location"/> holds every committed batch of the partition exactly as <paramref name="reference"/> does.</summary>
    public static async Task AssertSameBatchesAsync(ReplicatedStorage storage, string prefix, string topic, int partition, int reference, int location)
    {
        var segments = await SegmentsAsync(storage, prefix, topic, partition);
        Assert.NotEmpty(segments);
        foreach (var (blob, size) in segments)
        {
            var expected = await BatchesAsync(storage, reference, prefix, blob, size);
            var actual = await BatchesAsync(storage, location, prefix, blob, size ?? expected.Sum(b => (long)b.Length));
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"{blob}: batch {i} differs between location {reference} and {location}");
            }
        }
    }
}

using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Cloud.Log.Testing;

/// <summary>
/// Everything one resource prefix has stored, as comparable text: every blob of its log container with its
/// length, and every row of its tables with its ETag. Two equal snapshots mean nothing was written between.
/// </summary>
public static class StorageSnapshot
{
    private static readonly string[] Tables = ["topics", "partitions", "groups", "deletedtopics"];

    /// <summary>One line per blob and per row, sorted.</summary>
    public static async Task<IReadOnlyList<string>> TakeAsync(string connectionString, string prefix)
    {
        var lines = new List<string>();
        var container = new BlobServiceClient(connectionString).GetBlobContainerClient(prefix + "-log");
        if (await container.ExistsAsync().ConfigureAwait(false))
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, null, default).ConfigureAwait(false))
            {
                lines.Add($"blob {blob.Name} {blob.Properties.ContentLength} {blob.Properties.ETag}");
            }
        }

        var tables = new TableServiceClient(connectionString);
        foreach (var name in Tables)
        {
            var table = tables.GetTableClient(prefix + name);
            try
            {
                await foreach (var row in table.QueryAsync<TableEntity>().ConfigureAwait(false))
                {
                    lines.Add($"row {name} {row.PartitionKey} {row.RowKey} {row.ETag}");
                }
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}

using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// What a server process wrote, read off the storage itself: the segment blobs that appeared since the last
/// look, their bytes and committed blocks. A benchmark of a separate process cannot read the engine's
/// counters, and the average block is what the raw limit must be measured at.
/// </summary>
internal sealed class StoredBlocks(BlobContainerClient container)
{
    private readonly HashSet<string> _seen = [];

    public static StoredBlocks For(string connectionString, string prefix) => new(new BlobServiceClient(connectionString).GetBlobContainerClient(prefix + "-log"));

    /// <summary>Bytes and blocks of the segment blobs not seen before (each case writes a fresh topic).</summary>
    public async Task<(long Bytes, long Blocks)> NewSinceLastAsync()
    {
        long bytes = 0, blocks = 0;
        if (!await container.ExistsAsync().ConfigureAwait(false))
        {
            return (0, 0);
        }

        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, CancellationToken.None).ConfigureAwait(false))
        {
            if (!blob.Name.EndsWith(".log", StringComparison.Ordinal) || !_seen.Add(blob.Name))
            {
                continue;
            }

            var properties = (await container.GetBlobClient(blob.Name).GetPropertiesAsync().ConfigureAwait(false)).Value;
            bytes += properties.ContentLength;
            blocks += properties.BlobCommittedBlockCount;
        }

        return (bytes, blocks);
    }
}

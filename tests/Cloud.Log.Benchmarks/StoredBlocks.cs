using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// What a case wrote, read off the storage itself: the segment blobs (<c>.log</c>) that appeared since the last
/// look at every location, their bytes and committed blocks, and apart from them the blocks appended to the
/// segments' offset indexes (<c>.index</c>). The data blobs' average committed block is what the raw limit is
/// measured at; index appends are small and would make the average block look smaller than the engine wrote.
/// </summary>
internal sealed class StoredBlocks(IReadOnlyList<BlobContainerClient> containers)
{
    private readonly HashSet<string> _seen = [];

    /// <summary>What was written: data bytes and blocks, and index blocks, summed over the locations.</summary>
    public readonly record struct Written(long DataBytes, long DataBlocks, long IndexBlocks)
    {
        /// <summary>The data blobs' average committed block, in bytes; <paramref name="fallback"/> when none was written.</summary>
        public int BlockBytes(int fallback) => DataBlocks == 0 ? fallback : (int)(DataBytes / DataBlocks);

        /// <summary>Index appends per data block appended.</summary>
        public double IndexAppendsPerDataBlock => DataBlocks == 0 ? double.NaN : IndexBlocks / (double)DataBlocks;
    }

    /// <summary>The log container of resource prefix <paramref name="prefix"/> at each of <paramref name="connectionStrings"/>.</summary>
    public static StoredBlocks For(IEnumerable<string> connectionStrings, string prefix) =>
        new([.. connectionStrings.Select(c => new BlobServiceClient(c).GetBlobContainerClient(prefix + "-log"))]);

    public static StoredBlocks For(string connectionString, string prefix) => For([connectionString], prefix);

    /// <summary>Bytes and blocks of the blobs not seen before (each case writes a fresh topic).</summary>
    public async Task<Written> NewSinceLastAsync()
    {
        long bytes = 0, blocks = 0, indexBlocks = 0;
        foreach (var container in containers)
        {
            if (!await container.ExistsAsync().ConfigureAwait(false))
            {
                continue;
            }

            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, CancellationToken.None).ConfigureAwait(false))
            {
                var data = blob.Name.EndsWith(".log", StringComparison.Ordinal);
                if ((!data && !blob.Name.EndsWith(".index", StringComparison.Ordinal)) || !_seen.Add(container.Uri + "/" + blob.Name))
                {
                    continue;
                }

                var properties = (await container.GetBlobClient(blob.Name).GetPropertiesAsync().ConfigureAwait(false)).Value;
                if (data)
                {
                    bytes += properties.ContentLength;
                    blocks += properties.BlobCommittedBlockCount;
                }
                else
                {
                    indexBlocks += properties.BlobCommittedBlockCount;
                }
            }
        }

        return new Written(bytes, blocks, indexBlocks);
    }
}

using System.Buffers;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Cloud.Log.Core.Log;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>Every group-commit block is built in a pooled array and given back when its append attempt ends, however it ends.</summary>
public class BlockBuffersTests(StorageFixture storage)
{
    private static byte[] Batch(string value) =>
        RecordBatch.Encode([new ProducerRecord(null, System.Text.Encoding.UTF8.GetBytes(value), 0)], TimestampType.CreateTime, 0);

    /// <summary>The block holds the batches stamped in order, and disposing it twice gives its array back once.</summary>
    [Fact]
    public void A_block_is_stamped_in_order_and_given_back_once()
    {
        var pool = new CountingPool();
        var buffers = new BlockBuffers(pool);
        var block = buffers.Build([Batch("a"), Batch("bb")], baseOffset: 7, epoch: 3);
        Assert.Equal([7L, 8L], block.Batches.Select(b => b.BaseOffset));
        Assert.All(block.Batches, b => Assert.Equal(3, b.Header.PartitionLeaderEpoch));
        Assert.Equal(block.Batches.Sum(b => b.Bytes.Length), block.Bytes.Length);
        Assert.Equal(1, buffers.Outstanding);

        block.Dispose();
        block.Dispose();
        Assert.Equal(0, buffers.Outstanding);
        Assert.Equal(1, pool.Rented);
        Assert.Equal(1, pool.Returned);
    }

    /// <summary>A block whose batches cannot be stamped (too short to be a batch) gives its array back before it throws.</summary>
    [Fact]
    public void A_block_that_cannot_be_built_gives_its_array_back()
    {
        var pool = new CountingPool();
        var buffers = new BlockBuffers(pool);
        Assert.ThrowsAny<ArgumentException>(() => buffers.Build([Batch("a"), new byte[3]], 0, 0));
        Assert.Equal(0, buffers.Outstanding);
        Assert.Equal(pool.Rented, pool.Returned);
    }

    /// <summary>
    /// Two instances racing for one partition (stored and refused appends), then appends into a sealed segment (a roll
    /// and a retry) and into a location whose container is gone (failed appends): no block stays rented, and every
    /// acknowledged record reads back whole, so no reused array leaked into what was stored.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Blocks_go_back_after_stored_refused_and_failed_appends()
    {
        var prefix = StorageFixture.NewPrefix();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, MetadataCacheTtl = TimeSpan.FromMilliseconds(100) };
        await using var a = await storage.CreateEngineAsync(options);
        await using var b = await storage.CreateEngineAsync(options);
        await a.CreateTopicAsync("t");

        var acked = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? a : b).ProduceAsync("t", Records.Values(3, $"r{i}-"))));
        Assert.Equal(0, a.Blocks.Outstanding);
        Assert.Equal(0, b.Blocks.Outstanding);

        var container = new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient(prefix + "-log");
        await foreach (var blob in container.GetBlobsAsync())
        {
            if (blob.Name.EndsWith(".log", StringComparison.Ordinal))
            {
                await container.GetAppendBlobClient(blob.Name).SealAsync();
            }
        }

        var afterSeal = await a.ProduceAsync("t", Records.Values(3, "sealed-"));
        Assert.Equal(0, a.Blocks.Outstanding);

        await container.DeleteAsync();
        try
        {
            await b.ProduceAsync("t", Records.Values(3, "gone-"));
        }
        catch (CloudLogException)
        {
            // Failed (retriable): what counts here is that its block went back.
        }

        Assert.Equal(0, b.Blocks.Outstanding);
        Assert.NotEmpty(afterSeal);
        Assert.Equal(120, acked.Sum(x => x.Count));
    }

    /// <summary>A pool that counts what it rents and what comes back.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private int _rented;
        private int _returned;

        public int Rented => _rented;

        public int Returned => _returned;

        public override byte[] Rent(int minimumLength)
        {
            Interlocked.Increment(ref _rented);
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false) => Interlocked.Increment(ref _returned);
    }
}

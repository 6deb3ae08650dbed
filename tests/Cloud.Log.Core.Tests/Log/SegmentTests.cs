using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Cloud.Log.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cloud.Log.Core.Tests.Log;

public class SegmentTests(StorageFixture storage)
{
    private async Task<List<string>> SegmentBlobsAsync(string prefix)
    {
        var container = new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient(prefix + "-log");
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, default))
        {
            if (blob.Name.EndsWith(".log", StringComparison.Ordinal))
            {
                // {baseOffset:D20}-{epoch:D10}.log: the epoch says which leader term started it; these tests look at offsets.
                var file = blob.Name[(blob.Name.LastIndexOf('/') + 1)..];
                names.Add(file[..file.IndexOf('-', StringComparison.Ordinal)] + ".log");
            }
        }

        return names.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Issue 13, defect 13: closing a segment whose last index entry sits exactly at its end (what follows any
    /// block that crossed the index interval) reads an empty range of its tail. That must not throw (the SDK
    /// refuses an empty range), or every produce after it fails: the roll goes through, and so do the produces.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Segment_whose_last_index_entry_is_at_its_end_rolls()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = 1024 });
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "2000" });
        await engine.ProduceAsync("t", [Records.Of(null, new string('x', 1500), partition: 0)]); // crosses 1024: an index entry at its end
        await Task.Delay(500); // the index entry is written after the answer
        for (var i = 0; i < 3; i++)
        {
            var acked = await engine.ProduceAsync("t", [Records.Of(null, new string('y', 1500), partition: 0)]); // each rolls the segment first
            Assert.Equal(i + 1, acked[0].Offset);
        }

        Assert.Equal(4, (await SegmentBlobsAsync(prefix)).Count);
    }

    /// <summary>A segment rolls before an append would take it past segment.bytes; segments are named by base offset (and epoch).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Segment_rolls_past_segment_bytes()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "needs a connection string to list blobs");
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "250" });
        for (var i = 0; i < 4; i++)
        {
            await engine.ProduceAsync("t", [Records.Of(null, new string('x', 100), partition: 0)]); // ~170-byte batches
        }

        Assert.Equal(
            ["00000000000000000000.log", "00000000000000000001.log", "00000000000000000002.log", "00000000000000000003.log"],
            await SegmentBlobsAsync(prefix));
        Assert.Equal(4, (await engine.FetchAsync("t", 0, 0)).Records.Count);
    }

    /// <summary>A segment rolls once it is older than segment.ms, by the engine's clock.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Segment_rolls_after_segment_ms()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "needs a connection string to list blobs");
        var prefix = StorageFixture.NewPrefix();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }, clock);
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.ms"] = "60000" });
        await engine.ProduceAsync("t", Records.Values(2));
        clock.Advance(TimeSpan.FromSeconds(30));
        await engine.ProduceAsync("t", Records.Values(2));
        Assert.Single(await SegmentBlobsAsync(prefix));
        clock.Advance(TimeSpan.FromSeconds(31));
        await engine.ProduceAsync("t", Records.Values(2));
        Assert.Equal(["00000000000000000000.log", "00000000000000000004.log"], await SegmentBlobsAsync(prefix));
        Assert.Equal(6, (await engine.FetchAsync("t", 0, 0)).Records.Count);
    }

    /// <summary>A segment rolls at the block limit (50,000 in Azure; set low here) whatever its size.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Segment_rolls_before_the_block_limit()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "needs a connection string to list blobs");
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, MaxBlocksPerSegment = 3 });
        await engine.CreateTopicAsync("t");
        for (var i = 0; i < 7; i++)
        {
            await engine.ProduceAsync("t", Records.Values(1));
        }

        Assert.Equal(["00000000000000000000.log", "00000000000000000003.log", "00000000000000000006.log"], await SegmentBlobsAsync(prefix));
    }

    /// <summary>A new leader instance continues the log where the old one stopped: offsets stay contiguous.</summary>
    [Fact(Timeout = 60_000)]
    public async Task New_instance_recovers_the_tail_and_continues_offsets()
    {
        var prefix = StorageFixture.NewPrefix();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = 1024, MaxBlocksPerSegment = 7 };
        await using (var first = await storage.CreateEngineAsync(options))
        {
            await first.CreateTopicAsync("t");
            for (var i = 0; i < 10; i++)
            {
                await first.ProduceAsync("t", Records.Values(3));
            }
        }

        await using var second = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = 1024, MaxBlocksPerSegment = 7 });
        var ack = await second.ProduceAsync("t", Records.Values(2));
        Assert.Equal(new long[] { 30, 31 }, ack.Select(a => a.Offset));
        var all = await second.FetchAsync("t", 0, 0, maxRecords: 100);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (long)i), all.Records.Select(r => r.Offset));
    }
}

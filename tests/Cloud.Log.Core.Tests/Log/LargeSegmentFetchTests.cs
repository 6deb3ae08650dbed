using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>Issue 13's stronger read-cost test: a fetch anywhere in a segment of many MiB reads a bounded amount.</summary>
public class LargeSegmentFetchTests(StorageFixture storage)
{
    private const int IndexInterval = 64 * 1024;

    /// <summary>
    /// One segment of about 12 MiB (batches of about 64 KiB, an index entry every 64 KiB): a fetch of one record
    /// near its start, in its middle and near its end, by an instance that did not write it (tail cache and
    /// read-ahead off), costs at most 4 blob reads and well under 1 MiB of bytes read, the same at the end as at
    /// the start. A reader that scanned from the segment's start would read about 12 MiB for the last offsets.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task A_fetch_anywhere_in_a_segment_of_many_MiB_reads_a_bounded_amount()
    {
        var prefix = StorageFixture.NewPrefix();
        const int Batches = 190;
        const int RecordsPerBatch = 64;
        await using (var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = IndexInterval }))
        {
            await writer.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "67108864" });
            for (var i = 0; i < Batches; i++)
            {
                await writer.ProduceAsync("t", Enumerable.Range(0, RecordsPerBatch).Select(j => Records.Of(null, new string('x', 1000) + $"{i}-{j}", partition: 0)).ToArray());
            }
        }

        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions
        {
            ResourcePrefix = prefix,
            IndexIntervalBytes = IndexInterval,
            TailCacheBytesPerPartition = 0,
            ReadAheadBytes = 0,
        });
        const long Last = (Batches * RecordsPerBatch) - 1;
        await reader.FetchAsync("t", 0, 0, maxRecords: 1); // the segment list and the high watermark
        foreach (var offset in new long[] { 3, 100, Last / 2, Last - 70, Last - 1 })
        {
            var (reads, bytes) = (reader.StorageRequests.BlobReads, reader.StorageRequests.BlobBytesRead);
            var fetched = await reader.FetchAsync("t", 0, offset, maxRecords: 1, maxBytes: 1);
            (reads, bytes) = (reader.StorageRequests.BlobReads - reads, reader.StorageRequests.BlobBytesRead - bytes);
            Assert.Equal(offset, fetched.Records.Single().Offset);
            Assert.Equal($"{offset / RecordsPerBatch}-{offset % RecordsPerBatch}", Records.Text(fetched.Records[0].Value)![1000..]);
            Assert.InRange(reads, 1, 4); // tail probe + index + one range read (+ one for a batch cut by the read)
            Assert.InRange(bytes, 1, 1024 * 1024);
        }
    }
}

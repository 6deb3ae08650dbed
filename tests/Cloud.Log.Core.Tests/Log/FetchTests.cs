using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cloud.Log.Core.Tests.Log;

public class FetchTests(StorageFixture storage)
{
    /// <summary>A reader view lease no test here outlasts: the requests these tests count are the fetch path's, not the view's renewals.</summary>
    private static readonly TimeSpan CountedLease = TimeSpan.FromSeconds(10);

    private static CloudLogEngineOptions Tiny(string prefix, long cacheBytes = 0) => new()
    {
        ResourcePrefix = prefix,
        IndexIntervalBytes = 1024,
        TailCacheBytesPerPartition = cacheBytes,
    };

    /// <summary>A fetch from offset 0 crosses several segments and returns every record in order, from storage.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Fetch_crosses_segment_boundaries()
    {
        var prefix = StorageFixture.NewPrefix();
        await using (var writer = await storage.CreateEngineAsync(Tiny(prefix)))
        {
            await writer.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "400" });
            for (var i = 0; i < 20; i++)
            {
                await writer.ProduceAsync("t", Records.Values(2, $"b{i}-"));
            }
        }

        Assert.SkipWhen(storage.ConnectionString is null, "needs a connection string to list blobs");
        var container = new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient(prefix + "-log");
        var segments = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, default))
        {
            if (blob.Name.EndsWith(".log", StringComparison.Ordinal))
            {
                segments.Add(blob.Name);
            }
        }

        Assert.True(segments.Count >= 3, $"expected at least 3 segments, found {segments.Count}");

        await using var reader = await storage.CreateEngineAsync(Tiny(prefix));
        var fetched = await reader.FetchAsync("t", 0, 0, maxRecords: 1000, maxBytes: 1 << 20);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), fetched.Records.Select(r => r.Offset));
        Assert.Equal("b0-0", Records.Text(fetched.Records[0].Value));
        Assert.Equal("b19-1", Records.Text(fetched.Records[^1].Value));
        Assert.Equal(40, fetched.NextOffset);

        var middle = await reader.FetchAsync("t", 0, 23, maxRecords: 3);
        Assert.Equal(new long[] { 23, 24, 25 }, middle.Records.Select(r => r.Offset));
    }

    /// <summary>
    /// Finding any offset in a large segment costs a bounded number of storage reads (index + data), the same
    /// near its end as near its start: no scan from the start of the segment.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Fetch_at_any_offset_costs_a_bounded_number_of_reads()
    {
        var prefix = StorageFixture.NewPrefix();
        await using (var writer = await storage.CreateEngineAsync(Tiny(prefix)))
        {
            await writer.CreateTopicAsync("t");
            for (var i = 0; i < 100; i++)
            {
                await writer.ProduceAsync("t", Enumerable.Range(0, 10).Select(j => Records.Of(null, new string('x', 100) + $"{i}-{j}", partition: 0)).ToArray());
            }
        }

        await using var reader = await storage.CreateEngineAsync(Tiny(prefix));
        await reader.FetchAsync("t", 0, 0, maxRecords: 1); // warms the segment list and tail
        foreach (var offset in new long[] { 5, 500, 990 })
        {
            var before = reader.StorageRequests.BlobReads;
            var fetched = await reader.FetchAsync("t", 0, offset, maxRecords: 1, maxBytes: 1);
            var reads = reader.StorageRequests.BlobReads - before;
            Assert.Equal(offset, fetched.Records.Single().Offset);
            Assert.InRange(reads, 1, 4); // tail probe + index + one range read (+ one for a batch cut by the read)
        }
    }

    /// <summary>
    /// A reader catching up (below the high watermark it has seen) in the active segment pays one storage read per
    /// fetch, the high watermark included: it starts where its previous fetch ended (no index read, no bytes before
    /// its offset), and its range read of the leader copy tells the copy's length, which is where its last look at
    /// the tail ended, so it needs no other look. Read-ahead is off here, so each fetch's read is counted within it.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_reader_catching_up_pays_one_storage_read_per_fetch()
    {
        var prefix = await FillWithLargeBatchesAsync(partitions: 1);
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, ReaderViewLease = CountedLease, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        const int MaxBytes = 100 * 1024;
        var fetched = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: MaxBytes);
        var fetches = 0;
        var offsets = new List<long>();
        while (fetched.NextOffset < 1200)
        {
            var (reads, tables) = (reader.StorageRequests.BlobReads, reader.StorageRequests.TableRequests);
            var left = (1200 - fetched.NextOffset) / 30;
            fetched = await reader.FetchBatchesAsync("t", 0, fetched.NextOffset, maxBytes: MaxBytes);
            Assert.Equal(Math.Min(3, left), fetched.Batches.Count);
            Assert.Equal(1200, fetched.HighWatermark);
            offsets.AddRange(fetched.Batches.SelectMany(b => RecordBatch.DecodeRecords(b)).Select(r => r.Offset));
            Assert.Equal(1, reader.StorageRequests.BlobReads - reads);
            Assert.Equal(0, reader.StorageRequests.TableRequests - tables);
            fetches++;
        }

        Assert.Equal(13, fetches);
        Assert.Equal(fetches, reader.TailLooks.AnsweredFromReads);
        Assert.Equal(Enumerable.Range(90, 1110).Select(o => (long)o), offsets);
        Assert.Equal(0, reader.ReadAheads.Started);
    }

    /// <summary>
    /// A fetch that does not go on from an earlier one reads what it answers and at most what can lie before its
    /// offset, not an index interval more: from a segment's first batch, only its answer's range, and no index; from
    /// an offset between two index entries, the bytes between them more. The writer indexes every 128 KiB, the
    /// reader's own interval is the default 4 MiB (more than the whole segment); caches and read-ahead are off, so
    /// each fetch's reads are its own.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_fetch_that_starts_anew_reads_its_answer_and_no_more_than_lies_before_its_offset()
    {
        const int IndexInterval = 128 * 1024;
        const int MaxBytes = 100 * 1024;
        const int Batch = 31 * 1024; // 30 records of about 1 KiB, framing included
        var prefix = await FillWithLargeBatchesAsync(partitions: 1, indexIntervalBytes: IndexInterval);
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, ReaderViewLease = CountedLease, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });

        await reader.FetchBatchesAsync("t", 0, 1199, maxBytes: 1); // opens the partition's view and reads its index

        var bytes = reader.StorageRequests.BlobBytesRead;
        var first = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: MaxBytes);
        Assert.Equal([0L, 30, 60], first.Batches.Select(BaseOffset));
        Assert.InRange(reader.StorageRequests.BlobBytesRead - bytes, MaxBytes, MaxBytes + 1024); // the range, and a look at the tail

        bytes = reader.StorageRequests.BlobBytesRead;
        var middle = await reader.FetchBatchesAsync("t", 0, 615, maxBytes: MaxBytes);
        Assert.Equal(600, BaseOffset(middle.Batches[0])); // the whole batch holding offset 615
        Assert.InRange(reader.StorageRequests.BlobBytesRead - bytes, MaxBytes, IndexInterval + (2 * Batch) + MaxBytes + 1024);
    }

    /// <summary>
    /// A reader catching up finds each next range already read: every fetch that goes on from the previous one,
    /// but the first, is served by the read started when the previous one was answered — and the storage is
    /// read exactly once per fetch for its records all the same (nothing read twice, no read-ahead wasted), the
    /// last range included although the segment ended inside it. The high watermark comes from the headers of
    /// the read each fetch starts ahead (it started after the fetch began; one read ahead for an earlier fetch
    /// is older than the fetch, and any instance may have appended since): only the last fetch, which starts
    /// none, looks at the tail.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_reader_catching_up_finds_each_next_range_read_ahead()
    {
        var prefix = await FillWithLargeBatchesAsync(partitions: 1);
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, ReaderViewLease = CountedLease, TailCacheBytesPerPartition = 0 });
        const int MaxBytes = 100 * 1024;
        var fetched = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: MaxBytes);
        var (reads, tables) = (reader.StorageRequests.BlobReads, reader.StorageRequests.TableRequests);
        var fetches = 0;
        var offsets = new List<long>();
        while (fetched.NextOffset < 1200)
        {
            fetched = await reader.FetchBatchesAsync("t", 0, fetched.NextOffset, maxBytes: MaxBytes);
            Assert.InRange(fetched.Batches.Count, 1, 3);
            offsets.AddRange(fetched.Batches.SelectMany(b => RecordBatch.DecodeRecords(b)).Select(r => r.Offset));
            fetches++;
        }

        Assert.Equal(Enumerable.Range(90, 1110).Select(o => (long)o), offsets);
        Assert.Equal(13, fetches);
        Assert.Equal(fetches - 1, reader.ReadAheads.Served);
        Assert.Equal(fetches - 1, reader.ReadAheads.Started); // the last range was short: nothing follows it
        Assert.Equal(fetches + 1, reader.StorageRequests.BlobReads - reads);
        Assert.Equal(fetches - 1, reader.TailLooks.AnsweredFromReads);
        Assert.Equal(0, reader.StorageRequests.TableRequests - tables);
        Assert.Equal(0, reader.ReadAheads.Bytes);
    }

    /// <summary>
    /// A reader catching up whose every read cuts a batch reads each stored byte once: the bytes of the cut batch,
    /// read already, go to the head of the range read ahead, which reads on from where the read ended. An 80 KiB
    /// fetch answers two batches of about 31 KiB and its read holds 18 KiB of the third; read again from the
    /// cursor, a quarter of the bytes would come from storage twice.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_reader_catching_up_reads_no_stored_byte_twice_when_its_reads_cut_batches()
    {
        var prefix = await FillWithLargeBatchesAsync(partitions: 1);
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, ReaderViewLease = CountedLease, TailCacheBytesPerPartition = 0 });
        const int MaxBytes = 80 * 1024;
        var fetched = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: MaxBytes);
        var bytesRead = reader.StorageRequests.BlobBytesRead;
        var (answered, fetches) = (0L, 0);
        var offsets = new List<long>();
        while (fetched.NextOffset < 1200)
        {
            fetched = await reader.FetchBatchesAsync("t", 0, fetched.NextOffset, maxBytes: MaxBytes);
            Assert.InRange(fetched.Batches.Count, 1, 2);
            answered += fetched.Batches.Sum(b => (long)b.Length);
            offsets.AddRange(fetched.Batches.SelectMany(b => RecordBatch.DecodeRecords(b)).Select(r => r.Offset));
            fetches++;
        }

        Assert.Equal(Enumerable.Range(60, 1140).Select(o => (long)o), offsets);
        Assert.Equal(fetches - 1, reader.ReadAheads.Served);
        Assert.InRange(reader.StorageRequests.BlobBytesRead - bytesRead, answered, answered + MaxBytes); // the first read's cut batch, read once more
    }

    /// <summary>
    /// A reader that asks for fewer records than a read holds (REST's default of 500, with small records) reads each
    /// stored byte once, with one read per fetch: the range read ahead starts where the fetch's answer ends,
    /// carrying the batches it left for the next fetch. Started after them instead, each read ahead would read
    /// again what the fetches before it left (here three times the bytes answered).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_reader_of_fewer_records_than_a_read_holds_reads_each_stored_byte_once()
    {
        var prefix = await FillWithLargeBatchesAsync(partitions: 1);
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, ReaderViewLease = CountedLease, TailCacheBytesPerPartition = 0 });
        const int MaxBytes = 100 * 1024; // a read holds three batches and cuts the fourth
        const int MaxRecords = 30; // the answer holds one
        var fetched = await reader.FetchBatchesAsync("t", 0, 0, MaxRecords, MaxBytes);
        var (bytesRead, reads) = (reader.StorageRequests.BlobBytesRead, reader.StorageRequests.BlobReads);
        var (answered, fetches) = (0L, 0);
        var offsets = new List<long>();
        while (fetched.NextOffset < 1200)
        {
            fetched = await reader.FetchBatchesAsync("t", 0, fetched.NextOffset, MaxRecords, MaxBytes);
            Assert.Single(fetched.Batches);
            answered += fetched.Batches.Sum(b => (long)b.Length);
            offsets.AddRange(fetched.Batches.SelectMany(b => RecordBatch.DecodeRecords(b)).Select(r => r.Offset));
            fetches++;
        }

        Assert.Equal(Enumerable.Range(30, 1170).Select(o => (long)o), offsets);
        Assert.InRange(reader.StorageRequests.BlobBytesRead - bytesRead, answered, answered + MaxBytes); // the first read's batches, read once more
        Assert.InRange(reader.StorageRequests.BlobReads - reads, fetches, fetches + 1); // one read a fetch, and one more at the blob's end
    }

    /// <summary>
    /// A range read ahead when the segment ended inside it is not served once more was appended: the fetch reads
    /// the range again, at once (one read, no index read), and answers the records appended since; that read
    /// reached the copy's end, so it tells the high watermark too, with no look at the tail.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_range_read_ahead_before_an_append_is_read_again()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await writer.CreateTopicAsync("t");
        Task AppendAsync(int batches) => AppendLargeBatchesAsync(writer, batches);

        await AppendAsync(7); // 30 KiB batches: a 100 KiB fetch holds three
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0 });
        const int MaxBytes = 100 * 1024;
        var first = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: MaxBytes);
        var second = await reader.FetchBatchesAsync("t", 0, first.NextOffset, maxBytes: MaxBytes);
        Assert.Equal(180, second.NextOffset);
        Assert.Equal(1, reader.ReadAheads.Started); // the range from batch 6 on, which then held batch 6 alone

        await AppendAsync(2);
        Assert.Equal(270, (await reader.GetLatestOffsetAsync("t", 0)).Offset);
        var (reads, served) = (reader.StorageRequests.BlobReads, reader.ReadAheads.Served);
        var third = await reader.FetchBatchesAsync("t", 0, second.NextOffset, maxBytes: MaxBytes);

        Assert.Equal(Enumerable.Range(180, 90).Select(o => (long)o), third.Batches.SelectMany(b => RecordBatch.DecodeRecords(b)).Select(r => r.Offset));
        Assert.Equal(270, third.HighWatermark);
        Assert.Equal(1, reader.StorageRequests.BlobReads - reads);
        Assert.Equal(served, reader.ReadAheads.Served);
    }

    /// <summary>
    /// Records another instance appended after a reader last looked at the tail are in the high watermark of the
    /// reader's next fetch: when its range read reaches the leader copy's end, from that read alone (one storage
    /// read); when it stops short of an end that moved, from a look at the tail after it.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_fetch_after_an_append_elsewhere_answers_it_with_or_without_a_look_at_the_tail()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await writer.CreateTopicAsync("t");
        Task AppendAsync(int batches) => AppendLargeBatchesAsync(writer, batches);

        await AppendAsync(10); // 30 KiB batches: a 100 KiB fetch holds three
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        var first = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: 100 * 1024);
        Assert.Equal((90, 300), (first.NextOffset, first.HighWatermark));

        await AppendAsync(1);
        var (reads, answered) = (reader.StorageRequests.BlobReads, reader.TailLooks.AnsweredFromReads);
        var toTheEnd = await reader.FetchBatchesAsync("t", 0, 90, maxBytes: 1024 * 1024);
        Assert.Equal((300, 330), (toTheEnd.NextOffset, toTheEnd.HighWatermark)); // read up to what was known committed when it began
        Assert.Equal(1, reader.StorageRequests.BlobReads - reads);
        Assert.Equal(answered + 1, reader.TailLooks.AnsweredFromReads);

        await AppendAsync(1);
        (reads, answered) = (reader.StorageRequests.BlobReads, reader.TailLooks.AnsweredFromReads);
        var shortOne = await reader.FetchBatchesAsync("t", 0, 90, maxBytes: 1);
        Assert.Equal((120, 360), (shortOne.NextOffset, shortOne.HighWatermark));
        Assert.Equal(2, reader.StorageRequests.BlobReads - reads); // its range read, then the look at the tail
        Assert.Equal(answered, reader.TailLooks.AnsweredFromReads);
    }

    /// <summary>
    /// A range read ahead before another instance appended tells nothing of the tail to the fetch it serves,
    /// which began after the append: that fetch answers the new high watermark all the same.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_fetch_served_by_a_read_ahead_older_than_an_append_elsewhere_answers_the_append()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await writer.CreateTopicAsync("t");
        Task AppendAsync(int batches) => AppendLargeBatchesAsync(writer, batches);

        await AppendAsync(12);
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0 });
        var first = await reader.FetchBatchesAsync("t", 0, 0, maxBytes: 100 * 1024);
        var second = await reader.FetchBatchesAsync("t", 0, first.NextOffset, maxBytes: 100 * 1024);
        Assert.Equal((180, 360), (second.NextOffset, second.HighWatermark));
        Assert.Equal(1, reader.ReadAheads.Started);
        await Task.Delay(300, TestContext.Current.CancellationToken); // the read ahead is done before the append (the answer must not depend on it)
        await AppendAsync(1);
        var served = reader.ReadAheads.Served;
        var third = await reader.FetchBatchesAsync("t", 0, second.NextOffset, maxBytes: 100 * 1024);
        Assert.Equal(served + 1, reader.ReadAheads.Served);
        Assert.Equal((270, 390), (third.NextOffset, third.HighWatermark));
    }

    /// <summary>
    /// With read-ahead, fetches answer exactly what they answer without it: two partitions whose segments lie at
    /// the same byte positions read in turns, with a fetch size that changes from fetch to fetch (so a range read
    /// ahead is sometimes longer than the next fetch wants, sometimes shorter).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Read_ahead_answers_what_a_fresh_read_answers()
    {
        var prefix = await FillWithLargeBatchesAsync(partitions: 2);
        await using var plain = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        await using var ahead = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0 });
        int[] sizes = [100 * 1024, 40 * 1024, 70 * 1024, 100 * 1024, 100 * 1024, 250 * 1024];
        var next = new long[2, 2];
        for (var fetch = 0; next[0, 0] < 1200 || next[0, 1] < 1200; fetch++)
        {
            var partition = fetch % 2;
            var maxBytes = sizes[fetch / 2 % sizes.Length];
            var expected = await plain.FetchBatchesAsync("t", partition, next[0, partition], maxBytes: maxBytes);
            var actual = await ahead.FetchBatchesAsync("t", partition, next[1, partition], maxBytes: maxBytes);
            Assert.Equal(expected.NextOffset, actual.NextOffset);
            Assert.Equal(expected.Batches.Select(b => b.ToArray()), actual.Batches.Select(b => b.ToArray()));
            (next[0, partition], next[1, partition]) = (expected.NextOffset, actual.NextOffset);
        }

        Assert.True(ahead.ReadAheads.Served >= 5, $"{ahead.ReadAheads.Served} fetches served by read-ahead");
        Assert.Equal(0, plain.ReadAheads.Started);
    }

    /// <summary>
    /// A binary fetch's batches lie in pooled read buffers until it gives them back: while later fetches (with
    /// read-ahead, fetch sizes that change, two partitions in turns) rent buffers and give theirs back, every
    /// fetch still held answers exactly the bytes a plain read answers; giving back twice gives back once.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Fetched_batches_stay_intact_while_later_fetches_give_their_buffers_back()
    {
        var prefix = await FillWithLargeBatchesAsync(partitions: 2);
        await using var plain = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        await using var pooled = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0 });
        int[] sizes = [100 * 1024, 40 * 1024, 250 * 1024, 70 * 1024];
        var held = new Queue<(FetchedBatches Fetch, byte[][] Expected)>();
        var next = new long[2];
        for (var fetch = 0; next[0] < 1200 || next[1] < 1200; fetch++)
        {
            var partition = next[fetch % 2] < 1200 ? fetch % 2 : 1 - (fetch % 2);
            var maxBytes = sizes[fetch / 2 % sizes.Length];
            var expected = await plain.FetchBatchesAsync("t", partition, next[partition], maxBytes: maxBytes);
            var actual = await pooled.FetchBatchesAsync("t", partition, next[partition], maxBytes: maxBytes);
            Assert.Equal(expected.NextOffset, actual.NextOffset);
            held.Enqueue((actual, expected.Batches.Select(b => b.ToArray()).ToArray()));
            next[partition] = actual.NextOffset;
            if (held.Count > 2)
            {
                var (old, bytes) = held.Dequeue();
                Assert.Equal(bytes, old.Batches.Select(b => b.ToArray()));
                old.ReturnBuffers();
                old.ReturnBuffers();
            }
        }

        while (held.TryDequeue(out var last))
        {
            Assert.Equal(last.Expected, last.Fetch.Batches.Select(b => b.ToArray()));
            last.Fetch.ReturnBuffers();
        }

        Assert.True(pooled.ReadAheads.Served >= 5, $"{pooled.ReadAheads.Served} fetches served by read-ahead");
    }

    /// <summary>40 batches of 30 records of about 1 KiB (about 30 KiB each) in each partition of topic t.</summary>
    /// <summary>Appends batches of 30 records of about 1 KiB (about 30 KiB each) to partition 0 of topic "t", one produce each.</summary>
    private static async Task AppendLargeBatchesAsync(CloudLogEngine writer, int batches)
    {
        for (var i = 0; i < batches; i++)
        {
            await writer.ProduceAsync("t", Enumerable.Range(0, 30).Select(j => Records.Of(null, new string('x', 1000) + $"{i}-{j}", partition: 0)).ToArray());
        }
    }

    private static long BaseOffset(ReadOnlyMemory<byte> batch) =>
        RecordBatch.TryReadHeader(batch.Span, out var header) ? header.BaseOffset : throw new InvalidDataException("not a record batch");

    private async Task<string> FillWithLargeBatchesAsync(int partitions, int indexIntervalBytes = 4 * 1024 * 1024)
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = indexIntervalBytes });
        await writer.CreateTopicAsync("t", partitions);
        for (var i = 0; i < 40; i++)
        {
            for (var partition = 0; partition < partitions; partition++)
            {
                // Batches of about 30 KiB: a 100 KiB fetch holds three and its read cuts the fourth.
                await writer.ProduceAsync("t", Enumerable.Range(0, 30).Select(j => Records.Of(null, new string((char)('x' - partition), 1000) + $"{i}-{j}", partition: partition)).ToArray());
            }
        }

        return prefix;
    }

    /// <summary>
    /// A reader whose view lease ran out renews it with one table request, the state row, while no segment changed
    /// (its segment list was read after a read of the row that found the ETag the row still has), and reads the
    /// segment list again once a roll changed the row: then its fetch finds the records of the new segment.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_reader_renews_its_view_with_the_state_row_alone_until_a_roll_changes_it()
    {
        var prefix = StorageFixture.NewPrefix();
        var lease = TimeSpan.FromMilliseconds(50);
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await writer.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "400" });
        await writer.ProduceAsync("t", Records.Values(2, "a-"));
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, ReaderViewLease = lease, MetadataCacheTtl = TimeSpan.FromMinutes(1), TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        await reader.FetchAsync("t", 0, 0);
        await Task.Delay(lease * 3);
        await reader.FetchAsync("t", 0, 0); // a renewal whose list is read after a state read has answered

        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(lease * 3);
            var tables = reader.StorageRequests.TableRequests;
            var fetched = await reader.FetchAsync("t", 0, 0);
            Assert.Equal(2, fetched.HighWatermark);
            Assert.Equal(1, reader.StorageRequests.TableRequests - tables);
        }

        var segmentsBefore = (await writer.DescribeTopicAsync("t", includeSizes: true)).Partitions[0].SegmentCount;
        for (var i = 0; i < 4; i++)
        {
            await writer.ProduceAsync("t", Records.Values(2, $"b{i}-")); // past segment.bytes: the writer rolls
        }

        Assert.True((await writer.DescribeTopicAsync("t", includeSizes: true)).Partitions[0].SegmentCount > segmentsBefore, "the writer rolled");
        await Task.Delay(lease * 3);
        var renewal = reader.StorageRequests.TableRequests;
        var after = await reader.FetchAsync("t", 0, 2);
        Assert.Equal(2, reader.StorageRequests.TableRequests - renewal); // the state row, changed, and the segment list after it
        Assert.Equal(10, after.HighWatermark);
        Assert.Equal(2, after.Records[0].Offset);
        Assert.Equal("b0-0", Records.Text(after.Records[0].Value));
    }

    /// <summary>A fetch at the end on an instance that is not the writer looks at the tail with one read, even when nothing is new.</summary>
    [Fact(Timeout = 60_000)]
    public async Task An_idle_tail_costs_one_read_per_look()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await writer.CreateTopicAsync("t");
        await writer.ProduceAsync("t", Records.Values(3));
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await reader.FetchAsync("t", 0, 0);

        for (var i = 0; i < 5; i++)
        {
            var before = reader.StorageRequests.BlobReads;
            var fetched = await reader.FetchAsync("t", 0, 3);
            Assert.Empty(fetched.Records);
            Assert.Equal(1, reader.StorageRequests.BlobReads - before);
        }
    }

    /// <summary>maxRecords and maxBytes bound a fetch, but the first available batch always comes back.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Max_records_and_max_bytes_with_at_least_one_record()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        for (var i = 0; i < 5; i++)
        {
            await engine.ProduceAsync("t", [Records.Of(null, new string('x', 1000), partition: 0)]);
        }

        var one = await engine.FetchAsync("t", 0, 0, maxBytes: 10);
        Assert.Single(one.Records);
        Assert.Equal(1, one.NextOffset);
        var three = await engine.FetchAsync("t", 0, 1, maxRecords: 3);
        Assert.Equal(new long[] { 1, 2, 3 }, three.Records.Select(r => r.Offset));
        var two = await engine.FetchAsync("t", 0, 0, maxBytes: 2500);
        Assert.Equal(2, two.Records.Count);
    }

    /// <summary>Offsets outside [log start, high watermark] are OFFSET_OUT_OF_RANGE with both bounds.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Out_of_range_offsets_report_both_bounds()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        await engine.ProduceAsync("t", Records.Values(3));
        var above = await Assert.ThrowsAsync<CloudLogException>(() => engine.FetchAsync("t", 0, 4));
        Assert.Equal(ErrorCode.OffsetOutOfRange, above.Code);
        Assert.Equal(0, above.LogStartOffset);
        Assert.Equal(3, above.HighWatermark);
        var below = await Assert.ThrowsAsync<CloudLogException>(() => engine.FetchAsync("t", 0, -1));
        Assert.Equal(ErrorCode.OffsetOutOfRange, below.Code);
        var unknown = await Assert.ThrowsAsync<CloudLogException>(() => engine.FetchAsync("t", 1, 0));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.Code);
        var atEnd = await engine.FetchAsync("t", 0, 3);
        Assert.Empty(atEnd.Records);
        Assert.Equal(3, atEnd.NextOffset);
    }

    /// <summary>A fetch at the high watermark waits for the next record, and answers empty when none comes in time.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Long_poll_returns_a_record_appended_while_waiting()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        await engine.ProduceAsync("t", Records.Values(1));

        var empty = await engine.FetchAsync("t", 0, 1, maxWait: TimeSpan.FromMilliseconds(300));
        Assert.Empty(empty.Records);
        Assert.Equal(1, empty.NextOffset);

        var stopwatch = Stopwatch.StartNew();
        var waiting = engine.FetchAsync("t", 0, 1, maxWait: TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await engine.ProduceAsync("t", Records.Values(1, "late"));
        var fetched = await waiting;
        Assert.Equal("late0", Records.Text(fetched.Records.Single().Value));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15));
    }

    /// <summary>A second instance's long poll sees a record another instance appends (by polling storage).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Long_poll_on_another_instance_sees_the_append()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailPollInterval = TimeSpan.FromMilliseconds(50) });
        await writer.CreateTopicAsync("t");
        var waiting = reader.FetchAsync("t", 0, 0, maxWait: TimeSpan.FromSeconds(20));
        await Task.Delay(200);
        await writer.ProduceAsync("t", Records.Values(1));
        Assert.Single((await waiting).Records);
    }

    /// <summary>Tail reads on the instance that wrote the records are served from memory: no read of the records, one small read of the tail.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Tail_reads_on_the_writer_come_from_the_cache()
    {
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ReaderViewLease = CountedLease });
        await engine.CreateTopicAsync("t");
        await engine.ProduceAsync("t", Records.Values(10));
        var before = engine.StorageRequests.Total;
        var fetched = await engine.FetchAsync("t", 0, 5);
        Assert.Equal(5, fetched.Records.Count);

        // The records come from the cache; the one request is the tail probe for the answer's high watermark.
        Assert.Equal(before + 1, engine.StorageRequests.Total);

        // With the cache off, the same read must go to storage.
        await using var uncached = await storage.CreateEngineAsync(new CloudLogEngineOptions { TailCacheBytesPerPartition = 0 });
        await uncached.CreateTopicAsync("t");
        await uncached.ProduceAsync("t", Records.Values(10));
        var reads = uncached.StorageRequests.BlobReads;
        Assert.Equal(5, (await uncached.FetchAsync("t", 0, 5)).Records.Count);
        Assert.True(uncached.StorageRequests.BlobReads > reads);
    }

    /// <summary>An instance with its own clients and cache sees a record acknowledged elsewhere before its fetch began.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Fetch_on_a_second_instance_sees_every_acknowledged_record()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await using var b = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await a.CreateTopicAsync("t");
        for (var i = 0; i < 5; i++)
        {
            var ack = await a.ProduceAsync("t", Records.Values(1, $"r{i}-"));
            var fetched = await b.FetchAsync("t", 0, ack[0].Offset);
            Assert.Equal(ack[0].Offset + 1, fetched.HighWatermark);
            Assert.Equal($"r{i}-0", Records.Text(fetched.Records.Single().Value));
            Assert.Equal(ack[0].Offset + 1, (await b.GetLatestOffsetAsync("t", 0)).Offset);
        }
    }

    /// <summary>Earliest, latest, and the first offset at or after a timestamp, across segments.</summary>
    [Fact(Timeout = 60_000)]
    public async Task List_offsets_by_earliest_latest_and_timestamp()
    {
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { TailCacheBytesPerPartition = 0, IndexIntervalBytes = 1024 });
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "300" });
        for (var i = 0; i < 10; i++)
        {
            await engine.ProduceAsync("t", [Records.Of(null, $"v{i}", timestamp: 1000 * (i + 1), partition: 0)]);
        }

        Assert.Equal(0, (await engine.GetEarliestOffsetAsync("t", 0)).Offset);
        Assert.Equal(10, (await engine.GetLatestOffsetAsync("t", 0)).Offset);
        var found = await engine.GetOffsetForTimestampAsync("t", 0, 4500);
        Assert.Equal(4, found.Offset);
        Assert.Equal(5000, found.Timestamp);
        Assert.Equal(0, (await engine.GetOffsetForTimestampAsync("t", 0, 0)).Offset);
        Assert.Equal(9, (await engine.GetOffsetForTimestampAsync("t", 0, 10000)).Offset);
        Assert.Null((await engine.GetOffsetForTimestampAsync("t", 0, 10001)).Offset);
    }

    /// <summary>A block whose CRC does not match is reported as CORRUPT_MESSAGE, never returned as records.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Corrupt_block_is_detected_by_its_crc_and_reported()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "needs a connection string to damage a blob");
        var prefix = StorageFixture.NewPrefix();
        await using (var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }))
        {
            await writer.CreateTopicAsync("t");
            await writer.ProduceAsync("t", Records.Values(3));
        }

        // Append a well-framed batch at the right offset whose payload was altered after its CRC was computed.
        var container = new BlobServiceClient(storage.ConnectionString).GetBlobContainerClient(prefix + "-log");
        string? name = null;
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, default))
        {
            name = blob.Name.EndsWith(".log", StringComparison.Ordinal) ? blob.Name : name;
        }

        var bad = RecordBatch.Encode([new ProducerRecord(null, "tampered"u8.ToArray(), 1)], TimestampType.CreateTime, 1);
        RecordBatch.StampOffsetAndEpoch(bad, 3, 1);
        bad[^2] ^= 0xff;
        using (var stream = new MemoryStream(bad))
        {
            await container.GetAppendBlobClient(name).AppendBlockAsync(stream);
        }

        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        var e = await Assert.ThrowsAsync<CloudLogException>(() => reader.FetchAsync("t", 0, 0));
        Assert.Equal(ErrorCode.CorruptMessage, e.Code);
        Assert.Contains("CRC", e.Message, StringComparison.Ordinal);
    }
}

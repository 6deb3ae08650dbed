using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>
/// Several engine instances writing one partition at once, with no lease and no hand-off: the sequencer
/// copy's append-position condition orders them, and each reads what it missed before it appends again.
/// </summary>
public class MultiWriterTests(StorageFixture storage)
{
    private static CloudLogEngineOptions Options(string prefix, bool caches = true) => new()
    {
        ResourcePrefix = prefix,
        TailCacheBytesPerPartition = caches ? 1 << 20 : 0,
        ReadAheadBytes = caches ? 1 << 20 : 0,
        MetadataCacheTtl = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>
    /// A writer whose view of the tail is stale (another instance appended since, and its clock is a minute off)
    /// cannot corrupt the log: its append meets the moved tail, it reads what it missed, and its records land
    /// after the other's. Read back by a fresh engine with caches off, offsets run 0..14 in acknowledgement order.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task Writer_with_a_stale_view_appends_after_what_it_missed()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await storage.CreateEngineAsync(Options(prefix));
        await a.CreateTopicAsync("t");
        await a.ProduceAsync("t", Records.Values(5, "a"));

        await using var b = await storage.CreateEngineAsync(Options(prefix), new ShiftedTimeProvider { Shift = TimeSpan.FromMinutes(1) });
        var bAcks = await b.ProduceAsync("t", Records.Values(5, "b"));
        Assert.Equal(new long[] { 5, 6, 7, 8, 9 }, bAcks.Select(x => x.Offset));

        var aAcks = await a.ProduceAsync("t", Records.Values(5, "c"));
        Assert.Equal(new long[] { 10, 11, 12, 13, 14 }, aAcks.Select(x => x.Offset));

        await using var fresh = await storage.CreateEngineAsync(Options(prefix, caches: false));
        var all = await fresh.FetchAsync("t", 0, 0, maxRecords: 100);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), all.Records.Select(r => r.Offset));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => $"a{i}").Concat(Enumerable.Range(0, 5).Select(i => $"b{i}")).Concat(Enumerable.Range(0, 5).Select(i => $"c{i}")),
            all.Records.Select(r => Records.Text(r.Value)));
        Assert.Equal(15, all.HighWatermark);
    }

    /// <summary>
    /// While one instance appends back to back (a caller that sends again the moment it is answered), a second
    /// instance's produces get in — the busy writer leaves the sequencer to others now and then — without
    /// waiting for the first to let go of anything, and both instances' records are there once each.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task Second_instance_appends_while_the_first_is_busy()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await storage.CreateEngineAsync(Options(prefix));
        await using var b = await storage.CreateEngineAsync(Options(prefix));
        await a.CreateTopicAsync("t");
        using var stop = new CancellationTokenSource();
        var busy = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await a.ProduceAsync("t", Records.Values(1, $"a{n++}-"));
            }

            return n;
        });
        await Task.Delay(500);
        var acks = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            // As any client does (the SDK included): a retriable error is retried. The bound is what fails the test.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    acks.Add((await b.ProduceAsync("t", Records.Values(1, $"b{i}-")))[0].Offset);
                    break;
                }
                catch (CloudLogException e) when (e.IsRetriable && attempt < 3)
                {
                    // the next attempt goes on from what it read
                }
            }
        }

        await stop.CancelAsync();
        var produced = await busy;
        await using var fresh = await storage.CreateEngineAsync(Options(prefix, caches: false));
        var all = await fresh.FetchAsync("t", 0, 0, maxRecords: 100_000, maxBytes: 16 << 20);
        Assert.Equal(produced + 5, all.Records.Count);
        Assert.Equal(Enumerable.Range(0, produced + 5).Select(i => (long)i), all.Records.Select(r => r.Offset));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"b{i}-0", Records.Text(all.Records[(int)acks[i]].Value));
        }
    }

    /// <summary>
    /// Two instances appending back to back at once, several callers each, take turns (each steps aside after its
    /// append and reads what the other appended before its next): both make progress, and read back by a fresh
    /// engine with caches off every acknowledged record is there once, at the offset it was acknowledged with, with
    /// no gap — with turn-taking on (the default) and off.
    /// </summary>
    [Theory(Timeout = 120_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Two_busy_instances_taking_turns_store_every_record_once_in_order(bool turns)
    {
        var prefix = StorageFixture.NewPrefix();
        var options = Options(prefix);
        options.SharedWriterTurns = turns;
        await using var a = await storage.CreateEngineAsync(options);
        await using var b = await storage.CreateEngineAsync(options);
        await a.CreateTopicAsync("t");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<long, string>();
        var callers = new[] { a, b }.SelectMany((engine, e) => Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var value = $"{e}-{c}-{n}";
                try
                {
                    var ack = await engine.ProduceAsync("t", Records.Values(1, value + "-"));
                    Assert.True(acknowledged.TryAdd(ack[0].Offset, value + "-0"));
                }
                catch (CloudLogException error) when (error.IsRetriable)
                {
                    // Retriable means not stored: a client would retry; this one goes on with the next record.
                }
            }
        }))).ToList();
        await Task.WhenAll(callers);

        Assert.Contains(acknowledged.Values, v => v.StartsWith("0-", StringComparison.Ordinal));
        Assert.Contains(acknowledged.Values, v => v.StartsWith("1-", StringComparison.Ordinal));
        await using var fresh = await storage.CreateEngineAsync(Options(prefix, caches: false));
        var all = await fresh.FetchAsync("t", 0, 0, maxRecords: 100_000, maxBytes: 16 << 20);
        Assert.Equal(Enumerable.Range(0, acknowledged.Count).Select(i => (long)i), all.Records.Select(r => r.Offset));
        Assert.All(all.Records, r => Assert.Equal(acknowledged[r.Offset], Records.Text(r.Value)));
    }

    /// <summary>
    /// Every stored batch carries its segment's leader epoch, and epochs never go down along the log: decoded
    /// from the stored batches themselves, across segments rolled by two instances.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task Stored_batches_carry_non_decreasing_leader_epochs()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await storage.CreateEngineAsync(Options(prefix));
        await using var b = await storage.CreateEngineAsync(Options(prefix));
        await a.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["segment.bytes"] = "1500" });
        for (var i = 0; i < 20; i++)
        {
            await (i % 2 == 0 ? a : b).ProduceAsync("t", [Records.Of($"k{i}", new string('v', 200))]);
        }

        await using var fresh = await storage.CreateEngineAsync(Options(prefix, caches: false));
        var epochs = new List<int>();
        long offset = 0;
        while (offset < 20)
        {
            var fetched = await fresh.FetchBatchesAsync("t", 0, offset, maxRecords: 100, maxBytes: 1 << 20);
            foreach (var batch in fetched.Batches)
            {
                Assert.True(RecordBatch.TryReadHeader(batch.Span, out var header));
                epochs.Add(header.PartitionLeaderEpoch);
            }

            offset = fetched.NextOffset;
        }

        Assert.Equal(20, epochs.Count);
        Assert.Equal(epochs.Order(), epochs);
        Assert.True(epochs.Distinct().Count() >= 3, $"epochs {string.Join(',', epochs)}: each rolled segment must raise it");
        Assert.Equal(epochs[^1], (await a.DescribeTopicAsync("t")).Partitions[0].LeaderEpoch);
    }
    /// <summary>
    /// Two instances start an empty partition at once, and the second reads the segment list before the first has
    /// started the partition's first segment but the state row after (a slow state read): it must not start a
    /// second first segment beside the first one, at the same offsets, with the first writer's records left in
    /// a segment nobody reads (found by the soak run as two histories of one partition). Both acknowledged
    /// records are there, at distinct offsets, read back by a fresh engine with caches off. If the list is still
    /// being read when the first writer is done (a very slow machine), the race is not set up and the test shows
    /// nothing either way.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task A_writer_that_read_the_segment_list_before_the_state_row_starts_no_second_segment()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var first = await storage.CreateEngineAsync(Options(prefix));
        await first.CreateTopicAsync("t", partitions: 1);
        var armed = 1;
        var slow = Options(prefix);
        slow.BeforeStateRead = async _ =>
        {
            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                await Task.Delay(2000, CancellationToken.None); // the segment list is read meanwhile, and found empty
                await first.ProduceAsync("t", [Records.Of(null, "first", partition: 0)], cancellationToken: CancellationToken.None);
            }
        };
        await using var late = await storage.CreateEngineAsync(slow);
        var written = (await late.ProduceAsync("t", [Records.Of(null, "second", partition: 0)])).Single();
        Assert.Equal(0, armed);

        await using var fresh = await storage.CreateEngineAsync(Options(prefix, caches: false));
        var all = await fresh.FetchAsync("t", 0, 0, maxRecords: 100);
        Assert.Equal(["first", "second"], all.Records.Select(r => Records.Text(r.Value)).Order());
        Assert.Equal([0L, 1L], all.Records.Select(r => r.Offset));
        Assert.Equal("second", Records.Text(all.Records.Single(r => r.Offset == written.Offset).Value));
        Assert.Equal(1, (await fresh.DescribeTopicAsync("t", includeSizes: true)).Partitions[0].SegmentCount);
    }

    /// <summary>
    /// With one in-sync copy, what a writer reads after a lost race is committed: it goes to that instance's tail
    /// cache at once, even when the writer then appends nothing. Here the writer's batch comes from a producer
    /// epoch the other instance's batch fenced, so it is refused after the read; the other's ~600 KB batch
    /// is held in the cache beside the writer's own, and a fetch of it is served from memory.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task A_writer_refused_after_reading_what_it_missed_caches_what_it_read()
    {
        var prefix = StorageFixture.NewPrefix();
        CloudLogEngineOptions Cached()
        {
            var options = Options(prefix);
            options.TailCacheBytesPerPartition = 4 << 20;
            options.ReadAheadBytes = 0;
            return options;
        }

        await using var a = await storage.CreateEngineAsync(Cached());
        await using var b = await storage.CreateEngineAsync(Cached());
        await a.CreateTopicAsync("t");
        ProducerIdempotence Producer(short epoch, int sequence) => new(42, epoch, new Dictionary<int, int> { [0] = sequence });
        ProduceRecord[] Large(string text) => [Records.Of(null, text + new string('x', 600_000), partition: 0)];

        await b.ProduceAsync("t", Large("b"), Acks.All, Producer(0, 0));
        await a.ProduceAsync("t", Large("a"), Acks.All, Producer(1, 0)); // epoch 1 fences epoch 0; b has not seen it
        var cached = b.TailCacheBytes; // b's own batch

        var fenced = await Assert.ThrowsAsync<CloudLogException>(() => b.ProduceAsync("t", Records.Values(1), Acks.All, Producer(0, 1)));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, fenced.Code);
        Assert.InRange(b.TailCacheBytes - cached, 600_000, 2 << 20); // and now a's

        var reads = b.StorageRequests.BlobReads;
        var fetched = await b.FetchAsync("t", 0, 1);
        Assert.Equal((2, "a"), (fetched.HighWatermark, Records.Text(fetched.Records.Single().Value)![..1]));
        Assert.InRange(b.StorageRequests.BlobReads - reads, 0, 1); // at most the look at the tail: the records come from memory
    }
}

using System.Text;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Partitioning;
using Cloud.Log.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cloud.Log.Core.Tests.Log;

public class ProduceTests(StorageFixture storage)
{
    /// <summary>Headers, tombstones, keys and timestamps come back as produced, at consecutive offsets.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Produced_records_read_back_with_headers_tombstones_and_timestamps()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        var headers = new[] { new RecordHeader("source", Encoding.UTF8.GetBytes("web")), new RecordHeader("none", null) };
        var acks = await engine.ProduceAsync("t",
        [
            Records.Of("user-1", "hello", 1732400000000, headers: headers),
            Records.Of("user-1", null, 1732400000001),
            Records.Of(null, "keyless", 1732400000002),
        ]);
        Assert.Equal(new long[] { 0, 1, 2 }, acks.Select(a => a.Offset));
        Assert.Equal(new long[] { 1732400000000, 1732400000001, 1732400000002 }, acks.Select(a => a.Timestamp));

        var fetched = await engine.FetchAsync("t", 0, 0);
        Assert.Equal(3, fetched.HighWatermark);
        Assert.Equal(3, fetched.NextOffset);
        var records = fetched.Records;
        Assert.Equal("user-1", Records.Text(records[0].Key));
        Assert.Equal("hello", Records.Text(records[0].Value));
        Assert.Equal("web", Records.Text(records[0].Headers[0].Value));
        Assert.Null(records[0].Headers[1].Value);
        Assert.Null(records[1].Value);
        Assert.Null(records[2].Key);
        Assert.Equal(1732400000002, records[2].Timestamp);
    }

    /// <summary>LogAppendTime stamps records with the engine's clock, ignoring the producer's timestamp.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Log_append_time_uses_the_engine_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_900_000_000_000));
        await using var engine = await storage.CreateEngineAsync(time: clock);
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["message.timestamp.type"] = "LogAppendTime" });
        var acks = await engine.ProduceAsync("t", [Records.Of("k", "v", timestamp: 5), Records.Of("k", "w")]);
        Assert.All(acks, a => Assert.Equal(1_900_000_000_000, a.Timestamp));
        var records = (await engine.FetchAsync("t", 0, 0)).Records;
        Assert.All(records, r =>
        {
            Assert.Equal(1_900_000_000_000, r.Timestamp);
            Assert.Equal(TimestampType.LogAppendTime, r.TimestampType);
        });
    }

    /// <summary>CreateTime keeps the producer's timestamp and fills a missing one from the engine clock.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Create_time_keeps_producer_timestamps_and_defaults_to_the_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        await using var engine = await storage.CreateEngineAsync(time: clock);
        await engine.CreateTopicAsync("t");
        var acks = await engine.ProduceAsync("t", [Records.Of("k", "v", timestamp: 5), Records.Of("k", "w")]);
        Assert.Equal(new long[] { 5, 1_800_000_000_000 }, acks.Select(a => a.Timestamp));
    }

    /// <summary>One request's records for one partition are one batch in one AppendBlock.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Records_of_one_request_for_one_partition_are_one_append()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 2);
        await engine.ProduceAsync("t", [Records.Of(null, "warm", partition: 0), Records.Of(null, "warm", partition: 1)]);
        var before = engine.StorageRequests.BlobWrites;
        var acks = await engine.ProduceAsync("t", Enumerable.Range(0, 50).Select(i => Records.Of(null, $"v{i}", partition: i % 2)).ToArray());
        Assert.Equal(2, engine.StorageRequests.BlobWrites - before); // one AppendBlock per partition
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), acks.Where(a => a.Partition == 0).Select(a => a.Offset));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), acks.Where(a => a.Partition == 1).Select(a => a.Offset));
    }

    /// <summary>Keyed records go where Kafka's murmur2 puts them; explicit partitions win over keys.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Keys_choose_partitions_by_murmur2_and_explicit_partition_wins()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 7);
        var keys = Enumerable.Range(0, 40).Select(i => $"key-{i}").ToList();
        var acks = await engine.ProduceAsync("t", keys.Select(k => Records.Of(k, "v")).ToArray());
        for (var i = 0; i < keys.Count; i++)
        {
            Assert.Equal(KeyPartitioner.PartitionFor(Encoding.UTF8.GetBytes(keys[i]), 7), acks[i].Partition);
        }

        var explicitAck = await engine.ProduceAsync("t", [Records.Of("key-0", "v", partition: 6)]);
        Assert.Equal(6, explicitAck[0].Partition);
    }

    /// <summary>Keyless records stick to one partition per request and rotate between requests.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Keyless_records_are_sticky_per_request_and_rotate_between_requests()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 3);
        var used = new HashSet<int>();
        for (var r = 0; r < 6; r++)
        {
            var acks = await engine.ProduceAsync("t", Records.Values(5, partition: null));
            Assert.Single(acks.Select(a => a.Partition).Distinct());
            used.Add(acks[0].Partition);
        }

        Assert.Equal(3, used.Count);
    }

    /// <summary>10,000 keyed records over 3 partitions: every key in one partition, in produce order.</summary>
    [Fact(Timeout = 180_000)]
    public async Task Ten_thousand_keyed_records_keep_each_key_in_one_partition_in_order()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 3);
        const int keys = 97;
        var sequence = new Dictionary<string, int>();
        for (var request = 0; request < 20; request++)
        {
            var batch = Enumerable.Range(0, 500).Select(i =>
            {
                var key = $"key-{((request * 500) + i) % keys}";
                var n = sequence[key] = sequence.GetValueOrDefault(key, -1) + 1;
                return Records.Of(key, $"{key}:{n}");
            }).ToArray();
            await engine.ProduceAsync("t", batch);
        }

        var seen = new Dictionary<string, (int Partition, int Last)>();
        var total = 0;
        for (var partition = 0; partition < 3; partition++)
        {
            long offset = 0;
            while (true)
            {
                var fetched = await engine.FetchAsync("t", partition, offset, maxRecords: 5000, maxBytes: 4 << 20);
                if (fetched.Records.Count == 0)
                {
                    break;
                }

                foreach (var record in fetched.Records)
                {
                    var key = Records.Text(record.Key)!;
                    var n = int.Parse(Records.Text(record.Value)!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                    if (seen.TryGetValue(key, out var previous))
                    {
                        Assert.Equal(partition, previous.Partition);
                        Assert.Equal(previous.Last + 1, n);
                    }
                    else
                    {
                        Assert.Equal(0, n);
                    }

                    seen[key] = (partition, n);
                    total++;
                }

                offset = fetched.NextOffset;
            }
        }

        Assert.Equal(10_000, total);
        Assert.Equal(keys, seen.Count);
    }

    /// <summary>One bad record rejects the whole request, and nothing is written.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Invalid_request_is_rejected_whole_and_stores_nothing()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 2, configs: new Dictionary<string, string> { ["max.message.bytes"] = "1000" });
        var writes = engine.StorageRequests.BlobWrites;

        async Task Rejected(ErrorCode code, IReadOnlyList<ProduceRecord> records)
        {
            var e = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("t", records));
            Assert.Equal(code, e.Code);
        }

        await Rejected(ErrorCode.InvalidRequest, []);
        await Rejected(ErrorCode.InvalidRecord, [Records.Of("a", "ok", partition: 0), Records.Of("b", "bad", timestamp: -5, partition: 1)]);
        await Rejected(ErrorCode.UnknownTopicOrPartition, [Records.Of("a", "ok", partition: 0), Records.Of("b", "x", partition: 2)]);
        await Rejected(ErrorCode.UnknownTopicOrPartition, [Records.Of("a", "ok", partition: -1)]);
        await Rejected(ErrorCode.RecordTooLarge, [Records.Of("a", "ok", partition: 0), Records.Of("b", new string('x', 2000), partition: 1)]);
        var unknown = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("missing", Records.Values(1)));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.Code);

        Assert.Equal(writes, engine.StorageRequests.BlobWrites);
        Assert.Equal(0, (await engine.FetchAsync("t", 0)).HighWatermark);
        Assert.Equal(0, (await engine.FetchAsync("t", 1)).HighWatermark);
    }

    /// <summary>acks=0 answers without offsets, yet the record is stored.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Acks_none_answers_minus_one_and_still_stores()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        var acks = await engine.ProduceAsync("t", Records.Values(1), Acks.None);
        Assert.Equal(-1, acks[0].Offset);
        var fetched = await engine.FetchAsync("t", 0, 0, maxWait: TimeSpan.FromSeconds(10));
        Assert.Single(fetched.Records);
    }
}

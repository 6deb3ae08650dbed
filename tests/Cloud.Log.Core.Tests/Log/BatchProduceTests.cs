using System.Text;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>The binary path: batches a producer encoded are stored as they are and read back whole.</summary>
public class BatchProduceTests(StorageFixture storage)
{
    private static byte[] Batch(int count, string prefix = "v", string? key = null, long timestamp = 1_000, ProducerBatchIdentity? producer = null) =>
        RecordBatch.Encode(
            Enumerable.Range(0, count).Select(i => new ProducerRecord(Records.Bytes(key), Records.Bytes($"{prefix}{i}"), timestamp + i)).ToList(),
            TimestampType.CreateTime,
            timestamp,
            producer);

    /// <summary>Batches are stored at consecutive offsets per partition, with the producer's timestamps and bytes.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Produced_batches_are_stored_as_encoded_and_read_back_whole()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 2);
        var a = Batch(3, "a");
        var b = Batch(2, "b");
        var c = Batch(4, "c");

        var produced = await engine.ProduceBatchesAsync("t", [(0, a), (1, b), (0, c)]);

        Assert.Equal([new ProducedBatch(0, 0, 3, -1), new ProducedBatch(1, 0, 2, -1), new ProducedBatch(0, 3, 4, -1)], produced);
        var fetched = await engine.FetchBatchesAsync("t", 0, 1);
        Assert.Equal(2, fetched.Batches.Count); // the first batch holds offset 1, so it comes whole
        Assert.Equal(7, fetched.NextOffset);
        Assert.Equal(7, fetched.HighWatermark);
        var records = fetched.Batches.SelectMany(batch => RecordBatch.DecodeRecords(batch)).ToList();
        Assert.Equal(Enumerable.Range(0, 7), records.Select(r => (int)r.Offset));
        Assert.Equal(["a0", "a1", "a2", "c0", "c1", "c2", "c3"], records.Select(r => Records.Text(r.Value)));
        Assert.Equal(a.AsSpan(RecordBatch.HeaderSize).ToArray(), fetched.Batches[0].Span[RecordBatch.HeaderSize..].ToArray()); // the records as the producer encoded them

        var limited = await engine.FetchBatchesAsync("t", 0, 0, maxBytes: 1);
        Assert.Single(limited.Batches); // the first batch comes even past maxBytes
        Assert.Equal(3, limited.NextOffset);
        Assert.Equal(3, (await engine.FetchBatchesAsync("t", 0, 0, maxRecords: 2)).NextOffset);
        Assert.Empty((await engine.FetchBatchesAsync("t", 0, 7)).Batches);
    }

    /// <summary>A retried idempotent batch is answered with its first offsets and stored once; a gap is refused.</summary>
    [Fact(Timeout = 60_000)]
    public async Task An_idempotent_batch_sent_twice_is_stored_once()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        var first = Batch(2, producer: new ProducerBatchIdentity(77, 0, 0));

        var stored = await engine.ProduceBatchesAsync("t", [(0, first)]);
        var retried = await engine.ProduceBatchesAsync("t", [(0, first)]);
        var gap = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceBatchesAsync("t", [(0, Batch(1, producer: new ProducerBatchIdentity(77, 0, 5)))]));

        Assert.Equal(stored, retried);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Code);

        // One partition's failure does not undo another's append: each batch has its own outcome.
        var mixed = await engine.ProduceBatchesAsync("t", [(0, Batch(1, producer: new ProducerBatchIdentity(77, 0, 2))), (0, Batch(1, producer: new ProducerBatchIdentity(77, 0, 9)))]);
        Assert.Equal(2, mixed[0].BaseOffset);
        Assert.Null(mixed[0].Error);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, mixed[1].Error?.Code);
        Assert.Equal(3, (await engine.FetchAsync("t", 0, 0)).HighWatermark);
    }

    /// <summary>Under LogAppendTime the service's clock replaces the producer's timestamps, and the batch's CRC stays valid.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Log_append_time_topics_stamp_the_batch()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["message.timestamp.type"] = "LogAppendTime" });
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var produced = await engine.ProduceBatchesAsync("t", [(0, Batch(2, timestamp: 5))]);

        Assert.InRange(produced[0].LogAppendTime, before, before + 60_000);
        var records = RecordBatch.DecodeRecords((await engine.FetchBatchesAsync("t", 0, 0)).Batches[0]);
        Assert.All(records, r => Assert.Equal(produced[0].LogAppendTime, r.Timestamp));
    }

    /// <summary>A bad batch anywhere in the request is refused with the contract's code and nothing is stored.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_bad_batch_refuses_the_whole_request()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", 2, configs: new Dictionary<string, string> { ["max.message.bytes"] = "2000" });
        await engine.CreateTopicAsync("compacted", configs: new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
        var good = Batch(1);
        var corrupt = Batch(2);
        corrupt[^1] ^= 1;
        var appendTime = Batch(1);
        RecordBatch.StampLogAppendTime(appendTime, 1);

        async Task Refused(ErrorCode code, string topic, params (int, ReadOnlyMemory<byte>)[] batches) =>
            Assert.Equal(code, (await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceBatchesAsync(topic, batches))).Code);

        await Refused(ErrorCode.InvalidRecord, "t", (0, good), (1, corrupt));
        await Refused(ErrorCode.UnknownTopicOrPartition, "t", (0, good), (2, good));
        await Refused(ErrorCode.RecordTooLarge, "t", (0, good), (1, Batch(1, new string('x', 3000))));
        await Refused(ErrorCode.InvalidRecord, "t", (0, appendTime));
        await Refused(ErrorCode.InvalidRecord, "compacted", (0, good));
        await Refused(ErrorCode.UnknownTopicOrPartition, "missing", (0, good));
        await Refused(ErrorCode.InvalidRequest, "t");

        Assert.Equal(0, (await engine.FetchAsync("t", 0, 0)).HighWatermark);
        Assert.Equal(0, (await engine.FetchAsync("t", 1, 0)).HighWatermark);
        Assert.Equal(0, (await engine.FetchAsync("compacted", 0, 0)).HighWatermark);
    }
}


using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Producers;

public class IdempotenceTests(StorageFixture storage)
{
    private static CloudLogEngineOptions Options(string prefix) => new()
    {
        ResourcePrefix = prefix,
    };

    /// <summary>A produce repeated with the same idempotency key is stored once, and both calls answer the same offsets.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Same_idempotency_key_is_stored_once_with_the_same_offsets()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", partitions: 3);
        var records = new[] { Records.Of("a", "1"), Records.Of("b", "2"), Records.Of("c", "3"), Records.Of(null, "x", partition: 2) };
        var key = ProducerIdempotence.ForIdempotencyKey("message-1");

        var first = await engine.ProduceAsync("t", records, Acks.All, key);
        var second = await engine.ProduceAsync("t", records, Acks.All, key);
        var other = await engine.ProduceAsync("t", records, Acks.All, ProducerIdempotence.ForIdempotencyKey("message-2"));

        Assert.Equal(first.Select(r => (r.Partition, r.Offset)), second.Select(r => (r.Partition, r.Offset)));
        Assert.NotEqual(first.Select(r => r.Offset), other.Select(r => r.Offset));
        for (var p = 0; p < 3; p++)
        {
            var stored = await engine.FetchAsync("t", p, 0, maxRecords: 100);
            Assert.Equal(2 * records.Count(r => first[Array.IndexOf(records, r)].Partition == p), stored.Records.Count);
        }
    }

    /// <summary>Concurrent deliveries of one key on one instance (group-committed together) store one copy.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Concurrent_deliveries_of_one_key_store_one_copy()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        var key = ProducerIdempotence.ForIdempotencyKey("burst");
        var calls = Enumerable.Range(0, 20).Select(_ => engine.ProduceAsync("t", Records.Values(2), Acks.All, key)).ToList();
        var answers = await Task.WhenAll(calls);
        Assert.Single(answers.Select(a => a[0].Offset).Distinct());
        Assert.Equal(2, (await engine.FetchAsync("t", 0, 0)).Records.Count);
    }

    /// <summary>
    /// A second delivery to another instance, after the first instance handed the partition over, finds the
    /// key in the producer rows persisted with the lease and stores nothing.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Key_seen_by_a_previous_leader_is_a_duplicate_on_the_next()
    {
        var prefix = StorageFixture.NewPrefix();
        IReadOnlyList<RecordMetadata> first;
        await using (var a = await storage.CreateEngineAsync(Options(prefix)))
        {
            await a.CreateTopicAsync("t");
            await a.ProduceAsync("t", Records.Values(3, "before"));
            first = await a.ProduceAsync("t", Records.Values(2), Acks.All, ProducerIdempotence.ForIdempotencyKey("k"));
            await a.ProduceAsync("t", Records.Values(3, "after"));
        }

        await using var b = await storage.CreateEngineAsync(Options(prefix));
        var again = await b.ProduceAsync("t", Records.Values(2), Acks.All, ProducerIdempotence.ForIdempotencyKey("k"));
        Assert.Equal(first.Select(r => r.Offset), again.Select(r => r.Offset));
        Assert.Equal(8, (await b.FetchAsync("t", 0, 0)).Records.Count);
    }

    /// <summary>
    /// A writer that dies before persisting its producer state loses nothing: another instance rebuilds the
    /// state by reading the log from the last checkpoint, and a redelivery is answered from it.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Key_written_by_a_crashed_leader_is_found_in_the_log()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await storage.CreateEngineAsync(Options(prefix));
        await a.CreateTopicAsync("t");
        var first = await a.ProduceAsync("t", Records.Values(2), Acks.All, ProducerIdempotence.ForIdempotencyKey("k"));

        // A is still running (it has persisted nothing); B's clock is a minute ahead, which must not matter.
        var late = new ShiftedTimeProvider { Shift = TimeSpan.FromMinutes(1) };
        await using var b = await storage.CreateEngineAsync(Options(prefix), late);
        var again = await b.ProduceAsync("t", Records.Values(2), Acks.All, ProducerIdempotence.ForIdempotencyKey("k"));
        Assert.Equal(first.Select(r => r.Offset), again.Select(r => r.Offset));
        Assert.Equal(2, (await b.FetchAsync("t", 0, 0)).Records.Count);
    }

    /// <summary>
    /// Kafka's idempotent producer rules end to end: a retried batch answers its first offsets, a gap is
    /// OUT_OF_ORDER_SEQUENCE_NUMBER, a new epoch starts at 0 and fences the old one; refused batches store nothing.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Producer_sequences_are_checked_per_partition()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t", partitions: 2);
        ProducerIdempotence Seq(short epoch, int p0, int p1 = 0) => new(42, epoch, new Dictionary<int, int> { [0] = p0, [1] = p1 });

        var first = await engine.ProduceAsync("t", Records.Values(3), Acks.All, Seq(0, 0));
        var next = await engine.ProduceAsync("t", Records.Values(2), Acks.All, Seq(0, 3));
        var retry = await engine.ProduceAsync("t", Records.Values(3), Acks.All, Seq(0, 0));
        Assert.Equal(first.Select(r => r.Offset), retry.Select(r => r.Offset));
        Assert.Equal([3L, 4L], next.Select(r => r.Offset));

        var gap = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("t", Records.Values(1), Acks.All, Seq(0, 9)));
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Code);
        await engine.ProduceAsync("t", Records.Values(1, partition: 1), Acks.All, Seq(0, 0, p1: 0)); // partition 1 has its own sequence

        await engine.ProduceAsync("t", Records.Values(1), Acks.All, Seq(1, 0));
        var fenced = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("t", Records.Values(1), Acks.All, Seq(0, 5)));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, fenced.Code);
        Assert.Equal(6, (await engine.FetchAsync("t", 0, 0)).Records.Count);

        var missing = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("t", Records.Values(1, partition: 1), Acks.All, new ProducerIdempotence(42, 1, new Dictionary<int, int> { [0] = 1 })));
        Assert.Equal(ErrorCode.InvalidRequest, missing.Code);
    }

    /// <summary>A fresh partition-state table holding the state rows of partitions 0 and 3 of "topic", as topic creation leaves them.</summary>
    private async Task<TableClient> NewPartitionTableAsync()
    {
        var table = new TableClient(storage.ConnectionString, StorageFixture.NewPrefix() + "partitions");
        await table.CreateIfNotExistsAsync();
        foreach (var partition in new[] { 0, 3 })
        {
            await table.AddEntityAsync(new PartitionStateEntity { PartitionKey = "topic", RowKey = PartitionStateEntity.RowKeyFor(partition) });
        }

        return table;
    }

    /// <summary>
    /// Producer state persisted from a stale view does not land: its rows ride in one transaction with the state
    /// row under the ETag that view read, so a writer that read the row before another instance changed it writes
    /// nothing, and reads the row again.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Producer_rows_from_a_stale_state_row_are_not_written()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "reads the partition table directly");
        var table = await NewPartitionTableAsync();
        var store = new PartitionStateStore(table);
        var seenByA = (await store.GetStateAsync("topic", 0, default))!;
        var seenByB = (await store.GetStateAsync("topic", 0, default))!;
        var entry = new ProducerStateEntry(5, 0, [new ProducerBatchMetadata(0, 0, 7, 0)], 0);
        var rows = new List<ITableEntity> { ProducerEntity.From("topic", 0, entry) };

        var written = await store.TryWriteStateAsync(seenByB, s => s.ProducerCheckpoint = 8, rows, default);
        Assert.NotNull(written);
        Assert.Equal(8, written.ProducerCheckpoint);

        var stale = new ProducerStateEntry(5, 0, [new ProducerBatchMetadata(0, 0, 3, 0)], 0);
        Assert.Null(await store.TryWriteStateAsync(seenByA, s => s.ProducerCheckpoint = 4, [ProducerEntity.From("topic", 0, stale)], default));
        Assert.Equal(7, (await table.GetEntityAsync<ProducerEntity>("topic", ProducerEntity.RowKeyFor(0, 5))).Value.ToEntry(5).LastOffset);
        Assert.Equal(8, (await store.GetStateAsync("topic", 0, default))!.ProducerCheckpoint);
    }

    /// <summary>More than 99 changed producers are persisted over several transactions, and the checkpoint moves only with the last.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Many_changed_producers_are_persisted_in_chunks()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "reads the partition table directly");
        var table = await NewPartitionTableAsync();
        var store = new PartitionStateStore(table);
        var state = (await store.GetStateAsync("topic", 3, default))!;
        var entries = Enumerable.Range(0, 250).Select(i => (ITableEntity)ProducerEntity.From("topic", 3, new ProducerStateEntry(i, 0, [new ProducerBatchMetadata(0, 0, i, 0)], 0))).ToList();
        var written = await store.TryWriteStateAsync(state, s => s.ProducerCheckpoint = 250, entries, default);
        Assert.Equal(250, written!.ProducerCheckpoint);
        var stored = table.Query<TableEntity>(e => e.PartitionKey == "topic").ToList();
        Assert.Equal(252, stored.Count); // two state rows and 250 producer rows
        Assert.Equal(250, stored.Single(r => r.RowKey == "00003").GetInt64("ProducerCheckpoint"));
    }

    /// <summary>
    /// Issue 13, defect 4: keyless records under an idempotency key (an HTTP Idempotency-Key, a queue message
    /// id) go to the partition the identity picks, so a retry on this instance or on another one lands in the
    /// partition of the first try and is stored once. Before the fix they followed each instance's round robin
    /// and the retry was stored a second time in another partition.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Keyless_records_of_a_retried_identity_land_in_the_same_partition_and_are_stored_once()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var first = await storage.CreateEngineAsync(Options(prefix));
        await using var second = await storage.CreateEngineAsync(Options(prefix));
        await first.CreateTopicAsync("t", partitions: 4);
        var records = Records.Values(3, partition: null);
        var answers = new List<IReadOnlyList<RecordMetadata>>();
        foreach (var key in new[] { "order-1", "order-2", "queue-message:4f1c" })
        {
            var identity = ProducerIdempotence.ForIdempotencyKey(key);
            var original = await first.ProduceAsync("t", records, Acks.All, identity);
            Assert.Single(original.Select(r => r.Partition).Distinct()); // sticky within the request
            for (var retry = 0; retry < 3; retry++)
            {
                var again = await (retry % 2 == 0 ? first : second).ProduceAsync("t", records, Acks.All, ProducerIdempotence.ForIdempotencyKey(key));
                Assert.Equal(original.Select(r => (r.Partition, r.Offset)), again.Select(r => (r.Partition, r.Offset)));
            }

            answers.Add(original);
        }

        var stored = 0;
        for (var p = 0; p < 4; p++)
        {
            stored += (await first.FetchAsync("t", p, 0, maxRecords: 100)).Records.Count;
        }

        Assert.Equal(9, stored); // three keys, three records each, once

        // An explicit idempotent producer's retry (same id, epoch, sequences) also keeps its partition.
        var producer = new ProducerIdempotence(77, 0, Enumerable.Range(0, 4).ToDictionary(p => p, _ => 0));
        var once = await first.ProduceAsync("t", records, Acks.All, producer);
        var twice = await second.ProduceAsync("t", records, Acks.All, new ProducerIdempotence(77, 0, Enumerable.Range(0, 4).ToDictionary(p => p, _ => 0)));
        Assert.Equal(once.Select(r => (r.Partition, r.Offset)), twice.Select(r => (r.Partition, r.Offset)));
    }

    /// <summary>
    /// Issue 13, defect 8: a JSON produce spanning several partitions where one partition refuses its batch
    /// (a sequence gap) after another stored its own is answered per partition — offsets for the stored
    /// records, the error for the refused ones — never as one 409 for a request that was partly stored.
    /// When every partition fails, the answer is the error, and nothing is stored.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_produce_over_several_partitions_answers_each_partition_and_never_an_error_for_a_partial_store()
    {
        await using var engine = await storage.CreateEngineAsync(Options(StorageFixture.NewPrefix()));
        await engine.CreateTopicAsync("t", partitions: 2);
        ProduceRecord[] Both(string tag) => [Records.Of(null, tag + "-p0", partition: 0), Records.Of(null, tag + "-p1", partition: 1)];
        await engine.ProduceAsync("t", Both("a"), Acks.All, new ProducerIdempotence(9, 0, new Dictionary<int, int> { [0] = 0, [1] = 0 }));

        // Partition 0 continues its sequence; partition 1 skips one: a gap.
        var mixed = await engine.ProduceAsync("t", Both("b"), Acks.All, new ProducerIdempotence(9, 0, new Dictionary<int, int> { [0] = 1, [1] = 5 }));
        Assert.Null(mixed[0].Error);
        Assert.Equal((0, 1L), (mixed[0].Partition, mixed[0].Offset));
        Assert.Equal(Protocol.Errors.ErrorCode.OutOfOrderSequenceNumber, mixed[1].Error?.Code);
        Assert.Equal((1, -1L), (mixed[1].Partition, mixed[1].Offset));
        Assert.Equal(["a-p0", "b-p0"], (await engine.FetchAsync("t", 0, 0)).Records.Select(r => Records.Text(r.Value)));
        Assert.Equal(["a-p1"], (await engine.FetchAsync("t", 1, 0)).Records.Select(r => Records.Text(r.Value)));

        // Both partitions refuse: the request's error, nothing stored.
        var refused = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("t", Both("c"), Acks.All, new ProducerIdempotence(9, 0, new Dictionary<int, int> { [0] = 7, [1] = 7 })));
        Assert.Equal(Protocol.Errors.ErrorCode.OutOfOrderSequenceNumber, refused.Code);
        Assert.Equal(2, (await engine.FetchAsync("t", 0, 0)).HighWatermark);
        Assert.Equal(1, (await engine.FetchAsync("t", 1, 0)).HighWatermark);
    }
}

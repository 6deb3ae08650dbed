using System.Net.Http.Json;
using System.Text.Json;
using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>The producer against the standalone server: results, partitioning, batching, retries, idempotence, flush.</summary>
public sealed class ProducerTests(StorageFixture storage) : TestServer(storage)
{
    /// <summary>ProduceAsync answers the partition, consecutive offsets and the timestamp; the records are stored as sent.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Produce_answers_partition_offset_and_timestamp()
    {
        var topic = await CreateTopicAsync();
        var producer = Producer();
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var message = Message("k", "hello");
        message.Timestamp = at;
        message.Headers.Add(new CloudLogHeader("source", BinaryData.FromString("test")));

        var first = await producer.ProduceAsync(topic, message);
        var second = await producer.ProduceAsync(topic, Message(null, "keyless"));

        Assert.Equal((topic, 0, 0L, at, PersistenceStatus.Persisted), (first.Topic, first.Partition, first.Offset.Value, first.Timestamp, first.Status));
        Assert.Equal(1, second.Offset.Value);
        Assert.Equal([(0L, "k", "hello"), (1L, null, "keyless")], await StoredAsync(topic, 0));
    }

    /// <summary>
    /// A keyed record goes where the service's own partitioner puts it (a JSON produce of the same key), and
    /// the producer can tell which partition before sending.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Keyed_records_go_to_the_same_partition_as_the_service_puts_them()
    {
        var topic = await CreateTopicAsync(partitions: 7);
        var producer = Producer();
        foreach (var key in Enumerable.Range(0, 30).Select(i => $"user-{i}"))
        {
            var sdk = await producer.ProduceAsync(topic, Message(key, "v"));
            var expected = await producer.GetPartitionForKeyAsync(topic, BinaryData.FromString(key));
            using var json = await Host.Client.PostAsJsonAsync($"/api/topics/{topic}/records", new { records = new[] { new { key, value = "v" } } });
            var service = (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("offsets")[0].GetProperty("partition").GetInt32();
            Assert.Equal(service, sdk.Partition);
            Assert.Equal(expected, sdk.Partition);
        }
    }

    /// <summary>Records produced together within the linger go as one request; batch.size cuts batches.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Records_within_the_linger_share_one_request_and_batch_size_cuts_batches()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        var proxy = new FaultProxy();
        var producer = Producer(new CloudLogProducerClientOptions { Linger = TimeSpan.FromMilliseconds(200) }, proxy);
        await producer.GetPartitionForKeyAsync(topic, BinaryData.FromString("warm")); // topic metadata, before counting

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => producer.ProduceAsync(new TopicPartition(topic, i % 2), Message(null, $"v{i}"))));

        Assert.Equal(1, proxy.Count("POST", "/records")); // both partitions' batches in one request
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), results.Where(r => r.Partition == 0).Select(r => r.Offset.Value));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"v{2 * i}"), (await StoredAsync(topic, 0)).Select(r => r.Value));

        // batch.size cuts a partition's records into several batches (a full one goes at once, the rest follow
        // together when it is answered), stored in order.
        var small = Producer(new CloudLogProducerClientOptions { Linger = TimeSpan.FromMilliseconds(200), BatchSize = 200 }, proxy);
        var smallTopic = await CreateTopicAsync();
        var before = proxy.Count("POST", "/records");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => small.ProduceAsync(new TopicPartition(smallTopic, 0), Message(null, $"{i:D2}" + new string('x', 48)))));
        using var fetch = new HttpRequestMessage(HttpMethod.Get, $"/api/topics/{smallTopic}/partitions/0/records?offset=0");
        fetch.Headers.Accept.ParseAdd(Cloud.Log.Protocol.Wire.MediaTypes.RecordBatches);
        using var response = await Host.Client.SendAsync(fetch);
        var body = await response.Content.ReadAsByteArrayAsync();
        var batches = 0;
        for (var position = 0; position < body.Length; batches++)
        {
            Assert.True(Cloud.Log.Protocol.Batches.RecordBatch.TryReadHeader(body.AsSpan(position), out var header));
            Assert.True(header.TotalSize <= 200 + Cloud.Log.Protocol.Batches.RecordBatch.HeaderSize, $"a batch of {header.TotalSize} bytes");
            position += header.TotalSize;
        }

        Assert.True(batches >= 5, $"{batches} batches");
        var requests = proxy.Count("POST", "/records") - before;
        Assert.True(requests < batches, $"{batches} batches in {requests} requests: what a partition collects while a request is out goes as several batches in the next");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{i:D2}"), (await StoredAsync(smallTopic, 0)).Select(r => r.Value![..2]));
    }

    /// <summary>
    /// The must-show of idempotence: the service stores a batch but its answer is lost; the producer sends it
    /// again and the batch is stored once, with the offsets of the first send. Without idempotence the same
    /// fault stores it twice, so the test can tell.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_batch_whose_answer_was_lost_is_retried_and_stored_once()
    {
        var topic = await CreateTopicAsync(partitions: 3);
        var proxy = new FaultProxy { Matching = r => r.Method == HttpMethod.Post && r.RequestUri!.AbsolutePath.EndsWith("/records", StringComparison.Ordinal) };
        var producer = Producer(new CloudLogProducerClientOptions { Linger = TimeSpan.FromMilliseconds(20) }, proxy);
        await producer.ProduceAsync(topic, Message("warm", "up"));
        var sentBefore = proxy.Count("POST", "/records");

        proxy.DropAnswers(2);
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => producer.ProduceAsync(topic, Message($"key-{i % 6}", $"value-{i}"))));

        Assert.True(proxy.Count("POST", "/records") - sentBefore >= 3, "the lost answers made the producer send again");
        var stored = new List<string?>();
        for (var p = 0; p < 3; p++)
        {
            stored.AddRange((await StoredAsync(topic, p)).Select(r => r.Value));
        }

        Assert.Equal(31, stored.Count);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        foreach (var partition in results.GroupBy(r => r.Partition))
        {
            Assert.Equal(partition.Count(), partition.Select(r => r.Offset).Distinct().Count());
        }

        // The control: the same fault without idempotence stores the batch twice.
        var plain = Producer(new CloudLogProducerClientOptions { EnableIdempotence = false, Acks = Acks.All }, proxy);
        var controlTopic = await CreateTopicAsync();
        await plain.ProduceAsync(controlTopic, Message(null, "warm"));
        proxy.DropAnswers(1);
        await plain.ProduceAsync(controlTopic, Message(null, "twice"));
        Assert.Equal(2, (await StoredAsync(controlTopic, 0)).Count(r => r.Value == "twice"));
    }

    /// <summary>Transient failures (503 with Retry-After) are retried; each partition's records stay in the order produced.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Retries_keep_each_partitions_order()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        var proxy = new FaultProxy { Matching = r => r.RequestUri!.AbsolutePath.EndsWith("/records", StringComparison.Ordinal) };
        var producer = Producer(new CloudLogProducerClientOptions { Linger = TimeSpan.Zero, BatchSize = 64 }, proxy);
        await producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, "warm"));

        var sends = new List<Task<DeliveryResult>>();
        for (var i = 0; i < 40; i++)
        {
            if (i % 10 == 5)
            {
                proxy.RejectNext(2);
                proxy.DropAnswers(1);
            }

            sends.Add(producer.ProduceAsync(new TopicPartition(topic, i % 2), Message(null, $"{i % 2}:{i:D3}")));
        }

        await Task.WhenAll(sends);
        for (var p = 0; p < 2; p++)
        {
            var values = (await StoredAsync(topic, p)).Select(r => r.Value).Where(v => v!.StartsWith($"{p}:", StringComparison.Ordinal)).ToList();
            Assert.Equal(20, values.Count);
            Assert.Equal(values.Order(StringComparer.Ordinal), values);
        }
    }

    /// <summary>Flush sends what lingers at once; dispose delivers what is still buffered.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Flush_and_dispose_deliver_buffered_records()
    {
        var topic = await CreateTopicAsync();
        var producer = new CloudLogProducerClient(Endpoint, new CloudLogProducerClientOptions { Linger = TimeSpan.FromMinutes(1) });
        var pending = Enumerable.Range(0, 5).Select(i => producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, $"f{i}"))).ToList();
        await Task.Delay(200);
        Assert.All(pending, p => Assert.False(p.IsCompleted));

        await producer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var delivered = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(1)); // the linger is a minute: only the flush sent them
        Assert.Equal([0L, 1, 2, 3, 4], delivered.Select(d => d.Offset.Value));

        var buffered = producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, "on dispose"));
        await producer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, (await buffered).Offset.Value);
        Assert.Equal(6, (await StoredAsync(topic, 0)).Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, "late")));
    }

    /// <summary>
    /// The producer keeps a copy of its options: acks and idempotence changed on the options object after the
    /// producer was built change nothing (acks=0 would answer no offset), so they cannot get past its idempotence check.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Options_changed_after_construction_do_not_change_the_producer()
    {
        var topic = await CreateTopicAsync();
        var options = new CloudLogProducerClientOptions { Linger = TimeSpan.Zero };
        var producer = Producer(options);
        options.Acks = Acks.None;
        options.EnableIdempotence = false;
        options.Linger = TimeSpan.FromMinutes(5);

        var result = await producer.ProduceAsync(topic, Message(null, "acks=all")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((0L, PersistenceStatus.Persisted), (result.Offset.Value, result.Status));
        Assert.Equal([(0L, null, "acks=all")], await StoredAsync(topic, 0));
    }

    /// <summary>acks=0 answers without offsets and says the record may be stored; idempotence needs acks=all.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Acks_none_answers_possibly_persisted_without_an_offset()
    {
        var topic = await CreateTopicAsync();
        var producer = Producer(new CloudLogProducerClientOptions { Acks = Acks.None, EnableIdempotence = false });
        var result = await producer.ProduceAsync(topic, Message(null, "fire and forget"));
        Assert.Equal(Offset.Unset, result.Offset);
        Assert.Equal(PersistenceStatus.PossiblyPersisted, result.Status);
        Assert.Throws<ArgumentException>(() => new CloudLogProducerClient(Endpoint, new CloudLogProducerClientOptions { Acks = Acks.Leader }));

        var leader = Producer(new CloudLogProducerClientOptions { Acks = Acks.Leader, EnableIdempotence = false });
        Assert.Equal(PersistenceStatus.Persisted, (await leader.ProduceAsync(topic, Message(null, "one"))).Status);
    }

    /// <summary>
    /// Failures say what a retry would do: a refused record (too large, unknown partition) is NotPersisted and
    /// not transient; a record sent into a dead network until its delivery timeout is PossiblyPersisted.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Failures_carry_the_code_and_whether_the_record_may_be_stored()
    {
        var topic = await CreateTopicAsync(configs: new Dictionary<string, string> { ["max.message.bytes"] = "1000" });
        var proxy = new FaultProxy();
        var producer = Producer(new CloudLogProducerClientOptions { DeliveryTimeout = TimeSpan.FromSeconds(2), Linger = TimeSpan.Zero }, proxy);

        var tooLarge = await Assert.ThrowsAsync<CloudLogException>(() => producer.ProduceAsync(topic, Message(null, new string('x', 5000))));
        Assert.Equal(CloudLogErrorCode.RecordTooLarge, tooLarge.Code);
        Assert.Equal(413, tooLarge.Status);
        Assert.False(tooLarge.IsTransient);
        Assert.Equal(PersistenceStatus.NotPersisted, tooLarge.DeliveryResult?.Status);

        var noPartition = await Assert.ThrowsAsync<CloudLogException>(() => producer.ProduceAsync(new TopicPartition(topic, 9), Message(null, "x")));
        Assert.Equal(CloudLogErrorCode.UnknownTopicOrPartition, noPartition.Code);
        var noTopic = await Assert.ThrowsAsync<CloudLogException>(() => producer.ProduceAsync(NewTopic(), Message(null, "x")));
        Assert.Equal(CloudLogErrorCode.UnknownTopicOrPartition, noTopic.Code);

        proxy.Disconnected = true;
        var unreachable = await Assert.ThrowsAsync<CloudLogException>(() => producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, "lost?")));
        Assert.Equal(CloudLogErrorCode.ServiceUnreachable, unreachable.Code);
        Assert.True(unreachable.IsTransient);
        Assert.Equal(PersistenceStatus.PossiblyPersisted, unreachable.DeliveryResult?.Status);

        proxy.Disconnected = false;
        var after = await producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, "after"));
        Assert.Equal(PersistenceStatus.Persisted, after.Status); // a new producer id: the old sequence is not held against it
    }
}

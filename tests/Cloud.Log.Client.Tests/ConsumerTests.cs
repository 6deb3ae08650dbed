using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>The consumer with assigned partitions: consume, poll, stream, seek, long poll, commit, offset reset.</summary>
public sealed class ConsumerTests(StorageFixture storage) : TestServer(storage)
{
    private async Task<string> TopicWithAsync(int count, int partitions = 1, DateTimeOffset? start = null)
    {
        var topic = await CreateTopicAsync(partitions);
        var producer = Producer();
        for (var i = 0; i < count; i++)
        {
            var message = Message($"k{i}", $"v{i}");
            message.Timestamp = (start ?? DateTimeOffset.UnixEpoch.AddDays(1)).AddSeconds(i);
            message.Headers.Add(new CloudLogHeader("n", BinaryData.FromString(i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            await producer.ProduceAsync(new TopicPartition(topic, i % partitions), message);
        }

        return topic;
    }

    private static async Task<List<ConsumeResult>> TakeAsync(CloudLogConsumerClient consumer, int count)
    {
        var records = new List<ConsumeResult>();
        while (records.Count < count)
        {
            records.Add(await consumer.ConsumeAsync(TimeSpan.FromSeconds(20)) ?? throw new TimeoutException($"{records.Count} of {count} records came."));
        }

        return records;
    }

    /// <summary>The consumer keeps a copy of its options: a group id or poll size changed afterwards changes nothing.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Options_changed_after_construction_do_not_change_the_consumer()
    {
        var topic = await TopicWithAsync(3);
        var options = new CloudLogConsumerClientOptions { GroupId = "billing", MaxPollRecords = 2, EnableAutoCommit = false };
        var consumer = Consumer(options);
        options.GroupId = "other";
        options.MaxPollRecords = 1;

        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        var polled = await consumer.PollAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("billing", consumer.GroupId);
        Assert.Equal(2, polled.Count);
    }

    /// <summary>Assigned from the beginning, records come in offset order with keys, values, headers and timestamps as produced.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Assigned_partition_is_read_in_order_with_everything_produced()
    {
        var topic = await TopicWithAsync(5);
        var consumer = Consumer();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);

        var records = await TakeAsync(consumer, 5);

        Assert.Equal([0L, 1, 2, 3, 4], records.Select(r => r.Offset.Value));
        Assert.Equal(["k0", "k1", "k2", "k3", "k4"], records.Select(r => r.Key!.ToString()));
        Assert.Equal(["v0", "v1", "v2", "v3", "v4"], records.Select(r => r.Value!.ToString()));
        Assert.Equal("3", records[3].Headers.Single(h => h.Key == "n").Value!.ToString());
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(1).AddSeconds(2), records[2].Timestamp);
        Assert.Equal(CloudLogTimestampType.CreateTime, records[2].TimestampType);
        Assert.Equal(new Offset(5), consumer.Position(new TopicPartition(topic, 0)));
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(300)));
    }

    /// <summary>PollAsync answers a batch up to max.poll.records; ReadRecordsAsync streams across partitions until cancelled.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Poll_answers_batches_and_the_stream_reads_every_partition()
    {
        var topic = await TopicWithAsync(12, partitions: 3);
        var consumer = Consumer(new CloudLogConsumerClientOptions { MaxPollRecords = 3 });
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));

        var first = await consumer.PollAsync(TimeSpan.FromSeconds(20));
        Assert.InRange(first.Count, 1, 3);

        var seen = first.Select(r => r.Value!.ToString()).ToList();
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var record in consumer.ReadRecordsAsync(done.Token))
        {
            seen.Add(record.Value!.ToString());
            if (seen.Count == 12)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"v{i}").Order(), seen.Order());
    }

    /// <summary>Seek to an offset, to the beginning, to the end, and to a timestamp (replay from a time).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Seek_to_an_offset_the_ends_and_a_timestamp()
    {
        var start = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var topic = await TopicWithAsync(10, start: start);
        var partition = new TopicPartition(topic, 0);
        var consumer = Consumer();
        consumer.Assign([new TopicPartitionOffset(partition, Offset.Beginning)]);
        Assert.Equal(0, (await TakeAsync(consumer, 1))[0].Offset.Value);

        consumer.Seek(new TopicPartitionOffset(partition, 7));
        Assert.Equal(7, (await TakeAsync(consumer, 1))[0].Offset.Value);

        consumer.Seek(new TopicPartitionOffset(partition, Offset.Beginning));
        Assert.Equal(0, (await TakeAsync(consumer, 1))[0].Offset.Value);

        await consumer.SeekAsync(partition, start.AddSeconds(4.5));
        Assert.Equal(["v5", "v6"], (await TakeAsync(consumer, 2)).Select(r => r.Value!.ToString()));

        var times = await consumer.OffsetsForTimesAsync([partition], start.AddYears(1));
        Assert.Equal(Offset.End, times[0].Offset);

        consumer.Seek(new TopicPartitionOffset(partition, Offset.End));
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)));
        await Producer().ProduceAsync(partition, Message(null, "after the end"));
        Assert.Equal("after the end", (await TakeAsync(consumer, 1))[0].Value!.ToString());
        Assert.Equal(new WatermarkOffsets(0, 11), await consumer.QueryWatermarkOffsetsAsync(partition));
        Assert.Throws<InvalidOperationException>(() => consumer.Seek(new TopicPartitionOffset(topic, 5, 0)));
    }

    /// <summary>A consumer at the end long-polls: a record produced later arrives well before the fetch's wait would end.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_consumer_at_the_end_gets_new_records_from_its_long_poll()
    {
        var topic = await CreateTopicAsync();
        var proxy = new FaultProxy();
        var consumer = Consumer(new CloudLogConsumerClientOptions { FetchMaxWait = TimeSpan.FromSeconds(20) }, proxy);
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.End)]);
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(500)));
        var fetches = proxy.Count("POST", "/api/fetch");

        var waiting = consumer.ConsumeAsync(TimeSpan.FromSeconds(15));
        await Producer().ProduceAsync(new TopicPartition(topic, 0), Message(null, "news"));
        var record = await waiting;

        Assert.Equal("news", record?.Value?.ToString());
        Assert.InRange(proxy.Count("POST", "/api/fetch") - fetches, 0, 2); // one poll waited, it did not spin
    }

    /// <summary>One fetch request serves every assigned partition: four partitions' records come in one or two requests, none a single-partition fetch.</summary>
    [Fact(Timeout = 60_000)]
    public async Task One_fetch_request_serves_every_assigned_partition()
    {
        var topic = await TopicWithAsync(8, partitions: 4);
        var proxy = new FaultProxy();
        var consumer = Consumer(new CloudLogConsumerClientOptions { FetchMaxWait = TimeSpan.FromSeconds(10) }, proxy);
        consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(topic, p, 0)));

        var records = await TakeAsync(consumer, 8);

        Assert.Equal([0, 1, 2, 3], records.Select(r => r.Partition).Distinct().Order());
        Assert.All(records.GroupBy(r => r.Partition), g => Assert.Equal([0L, 1L], g.Select(r => r.Offset.Value)));
        Assert.Equal(0, proxy.Count("GET", "/records"));
        Assert.InRange(proxy.Count("POST", "/api/fetch"), 1, 2); // the one that brought all eight, and perhaps the long poll after it
    }

    /// <summary>A partition's own error (its topic is unknown) reaches the application, and the partition fetched in the same request is still read.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_partitions_own_error_does_not_stop_the_others_in_its_request()
    {
        var topic = await TopicWithAsync(2);
        var consumer = Consumer(new CloudLogConsumerClientOptions { FetchMaxWait = TimeSpan.FromMilliseconds(200) });
        consumer.Assign([new TopicPartitionOffset(NewTopic(), 0, 0), new TopicPartitionOffset(topic, 0, 0)]);

        var values = new List<string?>();
        var errors = new List<CloudLogErrorCode>();
        while (values.Count < 2)
        {
            try
            {
                if (await consumer.ConsumeAsync(TimeSpan.FromSeconds(20)) is { } record)
                {
                    values.Add(record.Value?.ToString());
                }
            }
            catch (CloudLogException e)
            {
                errors.Add(e.Code);
            }
        }

        Assert.Equal(["v0", "v1"], values);
        Assert.Contains(CloudLogErrorCode.UnknownTopicOrPartition, errors);
    }

    /// <summary>Manual commits store the position; a new consumer of the group starts there; auto offset reset decides where none is.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Commits_decide_where_the_next_consumer_of_the_group_starts()
    {
        var topic = await TopicWithAsync(6);
        var partition = new TopicPartition(topic, 0);
        var group = NewGroup();
        var first = Consumer(new CloudLogConsumerClientOptions { GroupId = group, EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest });
        first.Assign([partition]);
        var records = await TakeAsync(first, 3);
        Assert.Equal(0, records[0].Offset.Value); // no commit yet: earliest
        await first.CommitAsync();
        Assert.Equal(new Offset(3), (await first.GetCommittedOffsetsAsync([partition]))[0].Offset);
        await first.CommitAsync(records[0]);
        Assert.Equal(new Offset(1), (await first.GetCommittedOffsetsAsync([partition]))[0].Offset);
        await first.CommitAsync([new TopicPartitionOffset(partition, 4)]);
        await first.CloseAsync();

        var second = Consumer(new CloudLogConsumerClientOptions { GroupId = group, EnableAutoCommit = false });
        second.Assign([partition]);
        Assert.Equal(4, (await TakeAsync(second, 1))[0].Offset.Value);

        var latest = Consumer(new CloudLogConsumerClientOptions { GroupId = NewGroup(), AutoOffsetReset = AutoOffsetReset.Latest });
        latest.Assign([partition]);
        Assert.Null(await latest.ConsumeAsync(TimeSpan.FromMilliseconds(500)));

        var strict = Consumer(new CloudLogConsumerClientOptions { GroupId = NewGroup(), AutoOffsetReset = AutoOffsetReset.Error });
        strict.Assign([partition]);
        var error = await Assert.ThrowsAsync<CloudLogException>(() => strict.ConsumeAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(CloudLogErrorCode.OffsetOutOfRange, error.Code);
    }

    /// <summary>
    /// Auto-commit commits what the application finished with — the records handed out before its latest
    /// call — on its interval and on close, never a record it may still be working on.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Auto_commit_commits_the_records_the_application_finished_with()
    {
        var topic = await TopicWithAsync(5);
        var partition = new TopicPartition(topic, 0);
        var group = NewGroup();
        var admin = Admin();
        var consumer = Consumer(new CloudLogConsumerClientOptions { GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, AutoCommitInterval = TimeSpan.FromMilliseconds(100) });
        consumer.Assign([partition]);

        await TakeAsync(consumer, 3); // offsets 0, 1, 2; the application is still on 2
        await Task.Delay(600);
        var committed = await admin.GetConsumerGroupOffsetsAsync(group).ToListAsync();
        Assert.Equal(2, committed.Single().Offset.Value);

        await consumer.ConsumeAsync(TimeSpan.FromSeconds(10)); // done with 2, now on 3
        await consumer.CloseAsync();
        committed = await admin.GetConsumerGroupOffsetsAsync(group).ToListAsync();
        Assert.Equal(3, committed.Single().Offset.Value);
        Assert.Equal(2, committed.Single().Lag);
    }

    /// <summary>Records produced with the binary produce of other clients (JSON) read the same through the binary fetch.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Records_produced_as_json_read_back_through_the_binary_fetch()
    {
        var topic = await CreateTopicAsync();
        using var response = await Host.Client.PostAsync($"/api/topics/{topic}/records", new StringContent("""{"records":[{"key":"a","value":{"n":1},"headers":{"h":"x"}},{"keyBase64":"AAE=","value":null}]}""", System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var consumer = Consumer();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        var records = await TakeAsync(consumer, 2);
        Assert.Equal("""{"n":1}""", records[0].Value!.ToString());
        Assert.Equal("x", records[0].Headers[0].Value!.ToString());
        Assert.Equal(new byte[] { 0, 1 }, records[1].Key!.ToArray());
        Assert.Null(records[1].Value);
    }
}

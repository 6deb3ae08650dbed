using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Wire;
using Xunit;

namespace Cloud.Log.Api.Contract;

/// <summary>
/// The contract's client extensions, as the SDK uses them: the binary encoding of produce and fetch,
/// idempotent producers, and group membership.
/// </summary>
public abstract partial class ContractSuite
{
    private static byte[] Batch(long timestamp, ProducerBatchIdentity? producer, params string[] values) =>
        RecordBatch.Encode(values.Select(v => new ProducerRecord(null, Encoding.UTF8.GetBytes(v), timestamp)).ToList(), TimestampType.CreateTime, timestamp, producer);

    private async Task<HttpResponseMessage> ProduceBinaryAsync(string topic, string query, params (int Partition, byte[] Batch)[] batches)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/topics/{topic}/records{query}")
        {
            Content = new ByteArrayContent(batches.SelectMany(b => BatchFrames.Frame(b.Partition, b.Batch)).ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.RecordBatches);
        return await Client.SendAsync(request);
    }

    private async Task<(byte[] Body, HttpResponseMessage Response)> FetchBinaryAsync(string topic, int partition, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/topics/{topic}/partitions/{partition}/records?{query}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.RecordBatches));
        var response = await Client.SendAsync(request);
        return (await response.Content.ReadAsByteArrayAsync(), response);
    }

    private static List<ConsumerRecord> DecodeAll(byte[] body)
    {
        var records = new List<ConsumerRecord>();
        for (var position = 0; position < body.Length;)
        {
            Assert.True(RecordBatch.TryReadHeader(body.AsSpan(position), out var header));
            records.AddRange(RecordBatch.DecodeRecords(body.AsMemory(position, header.TotalSize)));
            position += header.TotalSize;
        }

        return records;
    }

    /// <summary>
    /// A produce body of record batches is stored as encoded and answered per batch; a fetch that accepts
    /// record batches answers whole batches with the offsets in headers.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Binary_produce_and_fetch_move_record_batches()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        using var produced = await ProduceBinaryAsync(topic, "?acks=1", (1, Batch(1000, null, "a", "b")), (1, Batch(2000, null, "c")), (0, Batch(3000, null, "z")));
        var text = await produced.Content.ReadAsStringAsync();
        Assert.True(produced.StatusCode == HttpStatusCode.OK, text);
        var batches = JsonDocument.Parse(text).RootElement.GetProperty("batches").EnumerateArray().ToList();
        Assert.Equal([(1, 0L, 2), (1, 2L, 1), (0, 0L, 1)], batches.Select(b => (b.GetProperty("partition").GetInt32(), b.GetProperty("baseOffset").GetInt64(), b.GetProperty("recordCount").GetInt32())));
        Assert.All(batches, b => Assert.Equal(-1, b.GetProperty("logAppendTime").GetInt64())); // CreateTime: the records keep their own
        Assert.All(batches, b => Assert.False(b.TryGetProperty("error", out _)));

        var (body, response) = await FetchBinaryAsync(topic, 1, "offset=1");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(MediaTypes.RecordBatches, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("3", response.Headers.GetValues(FetchHeaders.NextOffset).Single());
            Assert.Equal("3", response.Headers.GetValues(FetchHeaders.HighWatermark).Single());
            Assert.Equal("0", response.Headers.GetValues(FetchHeaders.LogStartOffset).Single());
        }

        var records = DecodeAll(body);
        Assert.Equal([0L, 1, 2], records.Select(r => r.Offset)); // the batch holding offset 1 comes whole
        Assert.Equal(["a", "b", "c"], records.Select(r => Encoding.UTF8.GetString(r.Value!.Value.Span)));

        // JSON stays the default, and sees the same records.
        var json = await FetchAsync(topic, 1, "offset=0");
        Assert.Equal(["a", "b", "c"], json.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetString()));

        var (empty, atEnd) = await FetchBinaryAsync(topic, 1, "offset=3");
        using (atEnd)
        {
            Assert.Empty(empty);
            Assert.Equal("3", atEnd.Headers.GetValues(FetchHeaders.NextOffset).Single());
        }

        var (_, outOfRange) = await FetchBinaryAsync(topic, 1, "offset=9");
        using (outOfRange)
        {
            await ApiClient.AssertProblemAsync(outOfRange, 416, "OFFSET_OUT_OF_RANGE");
        }
    }

    /// <summary>
    /// A topic's description counts each partition's bytes and segments: the bytes are exactly those the log
    /// serves (every stored batch, fetched whole from the first offset), across segments that rolled.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Topic_description_counts_each_partitions_bytes_and_segments()
    {
        var topic = await CreateTopicAsync(partitions: 2, configs: """{"segment.bytes":"300"}""");
        for (var i = 0; i < 8; i++)
        {
            await ProduceAsync(topic, $$"""[{"value":"{{new string('v', 100)}}-{{i}}","partition":0}]""");
        }

        var (status, description) = await Client.JsonAsync(HttpMethod.Get, $"/api/topics/{topic}");
        Assert.True(status == HttpStatusCode.OK, description.ToString());
        var partitions = description.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(0, partitions[1].GetProperty("sizeBytes").GetInt64());
        Assert.Equal(0, partitions[1].GetProperty("segments").GetInt32()); // a partition never written has no segment yet

        long served = 0;
        for (long offset = 0; offset < 8;)
        {
            var (body, response) = await FetchBinaryAsync(topic, 0, $"offset={offset}");
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                served += body.Length;
                offset = long.Parse(response.Headers.GetValues(FetchHeaders.NextOffset).Single(), CultureInfo.InvariantCulture);
            }
        }

        Assert.Equal(served, partitions[0].GetProperty("sizeBytes").GetInt64());
        Assert.True(partitions[0].GetProperty("segments").GetInt32() >= 3, description.ToString());

        // The topic list stays cheap: no sizes there.
        var (_, list) = await Client.JsonAsync(HttpMethod.Get, "/api/topics");
        var listed = list.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("name").GetString() == topic);
        Assert.False(listed.TryGetProperty("sizeBytes", out _));
    }

    /// <summary>A bad binary produce is a problem and stores nothing: framing, CRC, unknown partition, acks, an Idempotency-Key.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Bad_binary_produce_stores_nothing()
    {
        var topic = await CreateTopicAsync();
        var good = Batch(1000, null, "ok");
        var corrupt = Batch(1000, null, "bad");
        corrupt[^1] ^= 0x20;
        var truncated = BatchFrames.Frame(0, good)[..^3];

        async Task Refused(int status, string code, string query, params (int, byte[])[] batches)
        {
            using var response = await ProduceBinaryAsync(topic, query, batches);
            await ApiClient.AssertProblemAsync(response, status, code);
        }

        await Refused(400, "INVALID_RECORD", "", (0, good), (0, corrupt));
        await Refused(404, "UNKNOWN_TOPIC_OR_PARTITION", "", (0, good), (3, good));
        await Refused(400, "INVALID_REQUEST", "?acks=2", (0, good));
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/topics/{topic}/records") { Content = new ByteArrayContent(truncated) })
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.RecordBatches);
            await ApiClient.AssertProblemAsync(await Client.SendAsync(request), 400, "INVALID_REQUEST");
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/topics/{topic}/records") { Content = new ByteArrayContent(BatchFrames.Frame(0, good)) })
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.RecordBatches);
            request.Headers.Add("Idempotency-Key", "k");
            await ApiClient.AssertProblemAsync(await Client.SendAsync(request), 400, "INVALID_REQUEST");
        }

        Assert.Equal(0, (await FetchAsync(topic, 0)).GetProperty("highWatermark").GetInt64());
    }

    /// <summary>
    /// An idempotent producer gets an id from POST /api/producers; a batch retried with the same id, epoch
    /// and sequence is stored once, in JSON and in binary; a gap in the sequence is 409.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Idempotent_producer_retries_are_stored_once()
    {
        var topic = await CreateTopicAsync();
        var (status, producer) = await Client.JsonAsync(HttpMethod.Post, "/api/producers");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = producer.GetProperty("producerId").GetInt64();
        Assert.InRange(id, 0, (1L << 62) - 1);
        Assert.Equal(0, producer.GetProperty("producerEpoch").GetInt32());
        var (_, other) = await Client.JsonAsync(HttpMethod.Post, "/api/producers");
        Assert.NotEqual(id, other.GetProperty("producerId").GetInt64());

        var body = $$"""{"producerId":{{id}},"producerEpoch":0,"baseSequences":{"0":0},"records":[{"value":"a"},{"value":"b"}]}""";
        var first = await Client.JsonAsync(HttpMethod.Post, $"/api/topics/{topic}/records", body);
        var retry = await Client.JsonAsync(HttpMethod.Post, $"/api/topics/{topic}/records", body);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(first.Body.ToString(), retry.Body.ToString());

        using (var binary = await ProduceBinaryAsync(topic, "", (0, Batch(1000, new ProducerBatchIdentity(id, 0, 2), "c"))))
        using (var binaryRetry = await ProduceBinaryAsync(topic, "", (0, Batch(1000, new ProducerBatchIdentity(id, 0, 2), "c"))))
        {
            Assert.Equal(HttpStatusCode.OK, binaryRetry.StatusCode);
            Assert.Equal(await binary.Content.ReadAsStringAsync(), await binaryRetry.Content.ReadAsStringAsync());
        }

        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 409, "OUT_OF_ORDER_SEQUENCE_NUMBER",
            $$"""{"producerId":{{id}},"producerEpoch":0,"baseSequences":{"0":7},"records":[{"value":"gap"}]}""");

        // In one binary request each batch has its own outcome: the gap fails, the batch beside it is stored.
        using (var mixed = await ProduceBinaryAsync(topic, "", (0, Batch(1000, new ProducerBatchIdentity(id, 0, 3), "d")), (0, Batch(1000, new ProducerBatchIdentity(id, 0, 9), "gap"))))
        {
            var outcomes = JsonDocument.Parse(await mixed.Content.ReadAsStringAsync()).RootElement.GetProperty("batches");
            Assert.Equal(HttpStatusCode.OK, mixed.StatusCode);
            Assert.Equal(3, outcomes[0].GetProperty("baseOffset").GetInt64());
            Assert.Equal("OUT_OF_ORDER_SEQUENCE_NUMBER", outcomes[1].GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(409, outcomes[1].GetProperty("error").GetProperty("status").GetInt32());
        }
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_REQUEST",
            $$"""{"producerId":{{id}},"records":[{"value":"x"}]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_REQUEST",
            $$"""{"producerId":{{1L << 62}},"producerEpoch":0,"baseSequences":{"0":0},"records":[{"value":"x"}]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_REQUEST",
            $$"""{"producerId":{{id}},"producerEpoch":0,"baseSequences":{"1":0},"records":[{"value":"x"}]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_REQUEST",
            $$"""{"producerId":{{id}},"producerEpoch":0,"baseSequences":{"0":3},"records":[{"value":"x"}]}""", new Dictionary<string, string> { ["Idempotency-Key"] = "k" });
        Assert.Equal(4, (await FetchAsync(topic, 0)).GetProperty("highWatermark").GetInt64());
    }

    /// <summary>
    /// Members join (201), send heartbeats and leave (204); partitions move from one member to another only
    /// after the first released them, so no partition has two owners.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Group_members_join_heartbeat_release_and_leave()
    {
        var topic = await CreateTopicAsync(partitions: 4);
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        static List<string> Partitions(JsonElement assignment, string name) =>
            assignment.GetProperty(name).EnumerateArray().Select(p => $"{p.GetProperty("topic").GetString()}/{p.GetProperty("partition").GetInt32()}").ToList();

        var (status, a) = await Client.JsonAsync(HttpMethod.Post, $"/api/groups/{group}/members", $$"""{"topics":["{{topic}}"],"sessionTimeoutMs":30000}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var memberA = a.GetProperty("memberId").GetString()!;
        Assert.Equal(10_000, a.GetProperty("heartbeatIntervalMs").GetInt64());
        Assert.Equal(4, Partitions(a, "assigned").Count);
        var described = await DescribeGroupAsync(group, "Stable");
        var only = Assert.Single(described.GetProperty("members").EnumerateArray());
        Assert.Equal(memberA, only.GetProperty("memberId").GetString());
        Assert.Equal([topic], only.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(30_000, only.GetProperty("sessionTimeoutMs").GetInt64());
        Assert.Equal(Partitions(a, "assigned"), Partitions(only, "assigned"));

        var (_, b) = await Client.JsonAsync(HttpMethod.Post, $"/api/groups/{group}/members", $$"""{"topics":["{{topic}}"]}""");
        var memberB = b.GetProperty("memberId").GetString()!;
        Assert.Empty(Partitions(b, "assigned"));
        Assert.Equal(2, Partitions(b, "target").Count);
        described = await DescribeGroupAsync(group, "Rebalancing");
        var members = described.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("memberId").GetString()!);
        Assert.Equal(4, Partitions(members[memberA], "assigned").Count);
        Assert.Equal(Partitions(b, "target"), Partitions(members[memberB], "target"));
        Assert.Empty(Partitions(members[memberB], "assigned"));

        (status, a) = await Client.JsonAsync(HttpMethod.Post, $"/api/groups/{group}/members/{memberA}/heartbeat");
        Assert.Equal(HttpStatusCode.OK, status);
        var revoked = Partitions(a, "assigned").Except(Partitions(a, "target")).ToList();
        Assert.Equal(Partitions(b, "target"), revoked);
        var released = string.Join(',', revoked.Select(r => $$"""{"topic":"{{r.Split('/')[0]}}","partition":{{r.Split('/')[1]}}}"""));
        (_, a) = await Client.JsonAsync(HttpMethod.Post, $"/api/groups/{group}/members/{memberA}/heartbeat", $$"""{"released":[{{released}}]}""");
        Assert.Equal(Partitions(a, "target"), Partitions(a, "assigned"));
        (_, b) = await Client.JsonAsync(HttpMethod.Post, $"/api/groups/{group}/members/{memberB}/heartbeat", "{}");
        Assert.Equal(revoked, Partitions(b, "assigned"));
        described = await DescribeGroupAsync(group, "Stable");
        members = described.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("memberId").GetString()!);
        Assert.Equal(Partitions(a, "assigned"), Partitions(members[memberA], "assigned"));
        Assert.Equal(revoked, Partitions(members[memberB], "assigned"));

        await Client.ProblemAsync(HttpMethod.Delete, $"/api/groups/{group}", 409, "NON_EMPTY_GROUP");
        using (var left = await Client.SendAsync(HttpMethod.Delete, $"/api/groups/{group}/members/{memberA}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        }

        (_, b) = await Client.JsonAsync(HttpMethod.Post, $"/api/groups/{group}/members/{memberB}/heartbeat");
        Assert.Equal(4, Partitions(b, "assigned").Count);
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members/{memberA}/heartbeat", 404, "UNKNOWN_MEMBER_ID");
        Assert.Equal([memberB], (await DescribeGroupAsync(group, "Stable")).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("memberId").GetString()));

        using (var left = await Client.SendAsync(HttpMethod.Delete, $"/api/groups/{group}/members/{memberB}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        }

        Assert.Empty((await DescribeGroupAsync(group, "Empty")).GetProperty("members").EnumerateArray());
        await Client.ProblemAsync(HttpMethod.Get, $"/api/groups/g-{Guid.NewGuid():N}", 404, "GROUP_ID_NOT_FOUND");
        await Client.ProblemAsync(HttpMethod.Get, "/api/groups/bad%20name", 400, "INVALID_GROUP");
    }

    private async Task<JsonElement> DescribeGroupAsync(string group, string state)
    {
        var (status, body) = await Client.JsonAsync(HttpMethod.Get, $"/api/groups/{group}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal(group, body.GetProperty("group").GetString());
        Assert.Equal(state, body.GetProperty("state").GetString());
        Assert.True(body.GetProperty("generation").GetInt64() > 0);
        return body;
    }

    /// <summary>Bad joins and heartbeats are problems that leave no member behind.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Bad_membership_requests_are_refused()
    {
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members", 400, "INVALID_REQUEST", """{"topics":[]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members", 400, "INVALID_REQUEST", """{"topics":"t"}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members", 400, "INVALID_TOPIC", """{"topics":["a b"]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members", 400, "INVALID_REQUEST", """{"topics":["t"],"sessionTimeoutMs":5}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members", 400, "INVALID_REQUEST", """{"topics":["t"],"extra":1}""");
        await Client.ProblemAsync(HttpMethod.Post, "/api/groups/bad%20group/members", 400, "INVALID_GROUP", """{"topics":["t"]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members/nobody/heartbeat", 404, "UNKNOWN_MEMBER_ID");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/members/nobody/heartbeat", 400, "INVALID_REQUEST", """{"released":5}""");
        await Client.ProblemAsync(HttpMethod.Delete, $"/api/groups/{group}/members/nobody", 404, "UNKNOWN_MEMBER_ID");
        await Client.ProblemAsync(HttpMethod.Get, $"/api/groups/{group}/offsets", 404, "GROUP_ID_NOT_FOUND");
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Cloud.Log.Protocol.Partitioning;
using Xunit;

namespace Cloud.Log.Api.Contract;

/// <summary>
/// The REST contract (shared/api.md), case by case. The same cases run against the standalone server over
/// loopback HTTP and against the function classes invoked directly: a host that serves the contract
/// differently fails here.
/// </summary>
public abstract partial class ContractSuite
{
    private static readonly HttpMethod Patch = HttpMethod.Patch;

    /// <summary>The client of the host under test; its base address ends at the host (paths start with /api).</summary>
    protected abstract HttpClient Client { get; }

    /// <summary>A topic name no other test uses.</summary>
    protected static string NewTopic() => "t-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<string> CreateTopicAsync(int partitions = 1, string configs = "{}")
    {
        var name = NewTopic();
        var (status, body) = await Client.JsonAsync(HttpMethod.Post, "/api/topics", $$"""{"name":"{{name}}","partitions":{{partitions}},"configs":{{configs}}}""");
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return name;
    }

    private async Task<JsonElement> ProduceAsync(string topic, string records, IDictionary<string, string>? headers = null)
    {
        var (status, body) = await Client.JsonAsync(HttpMethod.Post, $"/api/topics/{topic}/records", $$"""{"records":{{records}}}""", headers);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("offsets");
    }

    private async Task<JsonElement> FetchAsync(string topic, int partition, string query = "offset=0")
    {
        var (status, body) = await Client.JsonAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/{partition}/records?{query}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }

    /// <summary>Create answers 201 with the description: id, every effective config with Kafka's defaults, partitions.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Create_topic_answers_201_with_id_configs_and_partitions()
    {
        var name = NewTopic();
        var (status, topic) = await Client.JsonAsync(HttpMethod.Post, "/api/topics", $$$"""{"name":"{{{name}}}","partitions":3,"replicationFactor":1,"configs":{"retention.ms":"3600000"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(name, topic.GetProperty("name").GetString());
        Assert.Equal(32, topic.GetProperty("topicId").GetString()!.Length);
        Assert.Equal(1, topic.GetProperty("replicationFactor").GetInt32());
        var configs = topic.GetProperty("configs");
        Assert.Equal("3600000", configs.GetProperty("retention.ms").GetString());
        Assert.Equal("-1", configs.GetProperty("retention.bytes").GetString());
        Assert.Equal("1073741824", configs.GetProperty("segment.bytes").GetString());
        Assert.Equal("604800000", configs.GetProperty("segment.ms").GetString());
        Assert.Equal("1048588", configs.GetProperty("max.message.bytes").GetString());
        Assert.Equal("delete", configs.GetProperty("cleanup.policy").GetString());
        Assert.Equal("1", configs.GetProperty("min.insync.replicas").GetString());
        Assert.Equal("CreateTime", configs.GetProperty("message.timestamp.type").GetString());
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        foreach (var p in partitions)
        {
            Assert.Equal(0, p.GetProperty("highWatermark").GetInt64());
            Assert.Equal(0, p.GetProperty("logStartOffset").GetInt64());
            Assert.Equal([0], p.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()));
            Assert.Equal([0], p.GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()));
        }
    }

    /// <summary>Create refuses a taken name (409) and bad names, counts, factors and configs (400, each its own code).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Create_topic_refuses_duplicates_and_bad_arguments()
    {
        var name = await CreateTopicAsync();
        await Client.ProblemAsync(HttpMethod.Post, "/api/topics", 409, "TOPIC_ALREADY_EXISTS", $$"""{"name":"{{name}}"}""");
        await Client.ProblemAsync(HttpMethod.Post, "/api/topics", 400, "INVALID_TOPIC", """{"name":"a/b"}""");
        await Client.ProblemAsync(HttpMethod.Post, "/api/topics", 400, "INVALID_PARTITIONS", $$"""{"name":"{{NewTopic()}}","partitions":0}""");
        await Client.ProblemAsync(HttpMethod.Post, "/api/topics", 400, "INVALID_PARTITIONS", $$"""{"name":"{{NewTopic()}}","partitions":10001}""");
        await Client.ProblemAsync(HttpMethod.Post, "/api/topics", 400, "INVALID_REPLICATION_FACTOR", $$"""{"name":"{{NewTopic()}}","replicationFactor":100}""");
        var problem = await Client.ProblemAsync(HttpMethod.Post, "/api/topics", 400, "INVALID_CONFIG", $$$"""{"name":"{{{NewTopic()}}}","configs":{"retention.mss":"1"}}""");
        Assert.Contains("retention.mss", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>List, describe, alter (null back to default), add partitions, delete: each as the contract says.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Topic_lifecycle_list_describe_alter_add_delete()
    {
        var name = await CreateTopicAsync(partitions: 2);
        var (_, list) = await Client.JsonAsync(HttpMethod.Get, "/api/topics");
        var listed = list.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        Assert.Equal(2, listed.GetProperty("partitions").GetInt32());
        Assert.Equal(1, listed.GetProperty("replicationFactor").GetInt32());
        var names = list.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        var (status, altered) = await Client.JsonAsync(Patch, $"/api/topics/{name}/configs", """{"configs":{"retention.ms":"1000","segment.ms":"5000"}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("1000", altered.GetProperty("configs").GetProperty("retention.ms").GetString());
        (_, altered) = await Client.JsonAsync(Patch, $"/api/topics/{name}/configs", """{"configs":{"retention.ms":null}}""");
        Assert.Equal("604800000", altered.GetProperty("configs").GetProperty("retention.ms").GetString());
        Assert.Equal("5000", altered.GetProperty("configs").GetProperty("segment.ms").GetString());

        var (_, grown) = await Client.JsonAsync(HttpMethod.Post, $"/api/topics/{name}/partitions", """{"count":4}""");
        Assert.Equal(4, grown.GetProperty("partitions").GetArrayLength());
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{name}/partitions", 400, "INVALID_PARTITIONS", """{"count":4}""");

        var (_, described) = await Client.JsonAsync(HttpMethod.Get, $"/api/topics/{name}");
        Assert.Equal(4, described.GetProperty("partitions").GetArrayLength());

        using (var deleted = await Client.SendAsync(HttpMethod.Delete, $"/api/topics/{name}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{name}", 404, "UNKNOWN_TOPIC_OR_PARTITION");
        await Client.ProblemAsync(HttpMethod.Delete, $"/api/topics/{name}", 404, "UNKNOWN_TOPIC_OR_PARTITION");
        (_, list) = await Client.JsonAsync(HttpMethod.Get, "/api/topics");
        Assert.DoesNotContain(list.GetProperty("topics").EnumerateArray(), t => t.GetProperty("name").GetString() == name);
    }

    /// <summary>
    /// Produce answers one entry per record in request order; a keyed record lands where Kafka's murmur2
    /// puts it; string, JSON, base64 and null values, and headers, read back as the contract says.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Produce_then_fetch_round_trips_keys_values_and_headers()
    {
        var topic = await CreateTopicAsync(partitions: 3);
        var offsets = (await ProduceAsync(topic, """
            [{"key":"user-1","value":"hello","headers":{"source":"web","empty":null},"timestamp":1732400000000},
             {"key":"user-1","value":{"n":[1, 2], "s":"x"}},
             {"key":"user-1","valueBase64":"/wA="},
             {"key":"user-1","value":null},
             {"keyBase64":"/w==","value":"k-bytes","partition":0}]
            """)).EnumerateArray().ToList();
        Assert.Equal(5, offsets.Count);
        var expected = KeyPartitioner.PartitionFor("user-1"u8, 3);
        Assert.All(offsets.Take(4), o => Assert.Equal(expected, o.GetProperty("partition").GetInt32()));
        Assert.Equal([0L, 1, 2, 3], offsets.Take(4).Select(o => o.GetProperty("offset").GetInt64()));
        Assert.Equal(1732400000000, offsets[0].GetProperty("timestamp").GetInt64());
        Assert.Equal(0, offsets[4].GetProperty("partition").GetInt32());

        var fetched = await FetchAsync(topic, expected);
        var records = fetched.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(4, records.Count);
        Assert.Equal("hello", records[0].GetProperty("value").GetString());
        Assert.Equal("user-1", records[0].GetProperty("key").GetString());
        Assert.Equal("web", records[0].GetProperty("headers").GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, records[0].GetProperty("headers").GetProperty("empty").ValueKind);
        Assert.Equal(1732400000000, records[0].GetProperty("timestamp").GetInt64());
        Assert.Equal("""{"n":[1,2],"s":"x"}""", records[1].GetProperty("value").GetString());
        Assert.Equal("/wA=", records[2].GetProperty("valueBase64").GetString());
        Assert.Equal(JsonValueKind.Null, records[3].GetProperty("value").ValueKind);
        Assert.Equal(4, fetched.GetProperty("nextOffset").GetInt64());
        Assert.Equal(4, fetched.GetProperty("highWatermark").GetInt64());
        Assert.Equal(0, fetched.GetProperty("logStartOffset").GetInt64());

        var base64 = await FetchAsync(topic, expected, "encoding=base64&maxRecords=1");
        var first = base64.GetProperty("records")[0];
        Assert.Equal(Convert.ToBase64String("hello"u8), first.GetProperty("valueBase64").GetString());
        Assert.Equal(Convert.ToBase64String("user-1"u8), first.GetProperty("keyBase64").GetString());
        Assert.Equal(Convert.ToBase64String("web"u8), first.GetProperty("headersBase64").GetProperty("source").GetString());

        var bytesKey = (await FetchAsync(topic, 0)).GetProperty("records").EnumerateArray().Single(r => r.TryGetProperty("keyBase64", out _));
        Assert.Equal("/w==", bytesKey.GetProperty("keyBase64").GetString());
    }

    /// <summary>Keyless records of one request stay together in one partition; acks=0 answers -1 offsets but stores.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Keyless_records_stick_together_and_acks_zero_answers_minus_one()
    {
        var topic = await CreateTopicAsync(partitions: 4);
        var offsets = await ProduceAsync(topic, """[{"value":"a"},{"value":"b"},{"value":"c"}]""");
        Assert.Single(offsets.EnumerateArray().Select(o => o.GetProperty("partition").GetInt32()).Distinct());

        var (status, body) = await Client.JsonAsync(HttpMethod.Post, $"/api/topics/{topic}/records", """{"acks":"0","records":[{"value":"x","partition":1}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-1, body.GetProperty("offsets")[0].GetProperty("offset").GetInt64());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await FetchAsync(topic, 1)).GetProperty("records").GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the acks=0 record never appeared");
            await Task.Delay(100);
        }
    }

    /// <summary>One bad record rejects the whole request and nothing of it is stored; errors carry the contract's codes.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Produce_errors_store_nothing()
    {
        var topic = await CreateTopicAsync(partitions: 2, configs: """{"max.message.bytes":"200"}""");
        var problem = await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_RECORD", """{"records":[{"value":"ok"},{"value":"bad","timestamp":"yesterday"}]}""");
        Assert.Contains("records[1].timestamp", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 404, "UNKNOWN_TOPIC_OR_PARTITION", """{"records":[{"value":"ok"},{"value":"x","partition":2}]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 413, "RECORD_TOO_LARGE", $$"""{"records":[{"value":"ok","partition":0},{"value":"{{new string('x', 300)}}","partition":1}]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_REQUEST", """{"records":[]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{topic}/records", 400, "INVALID_REQUEST", """{"records":[{"value":"x"}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{NewTopic()}/records", 404, "UNKNOWN_TOPIC_OR_PARTITION", """{"records":[{"value":"x"}]}""");
        for (var p = 0; p < 2; p++)
        {
            Assert.Equal(0, (await FetchAsync(topic, p)).GetProperty("highWatermark").GetInt64());
        }
    }

    /// <summary>A produce repeated with the same Idempotency-Key is stored once and answered with the same offsets.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Idempotency_key_makes_a_retried_produce_store_once()
    {
        var topic = await CreateTopicAsync();
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "order-" + Guid.NewGuid().ToString("N") };
        var first = await ProduceAsync(topic, """[{"value":"a"},{"value":"b"}]""", key);
        var again = await ProduceAsync(topic, """[{"value":"a"},{"value":"b"}]""", key);
        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(2, (await FetchAsync(topic, 0)).GetProperty("highWatermark").GetInt64());
    }

    /// <summary>maxRecords caps the count; maxBytes caps the size but one record always comes (Kafka's rule); offset defaults to the log start.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Fetch_limits_and_at_least_one_record()
    {
        var topic = await CreateTopicAsync();
        for (var i = 0; i < 5; i++)
        {
            await ProduceAsync(topic, $$"""[{"value":"{{new string('v', 200)}}{{i}}"}]""");
        }

        var limited = await FetchAsync(topic, 0, "offset=1&maxRecords=2");
        Assert.Equal([1L, 2], limited.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("offset").GetInt64()));
        Assert.Equal(3, limited.GetProperty("nextOffset").GetInt64());
        var tiny = await FetchAsync(topic, 0, "offset=2&maxBytes=1");
        Assert.Single(tiny.GetProperty("records").EnumerateArray());
        var fromStart = await FetchAsync(topic, 0, "maxRecords=1");
        Assert.Equal(0, fromStart.GetProperty("records")[0].GetProperty("offset").GetInt64());
        var atEnd = await FetchAsync(topic, 0, "offset=5");
        Assert.Equal(0, atEnd.GetProperty("records").GetArrayLength());
        Assert.Equal(5, atEnd.GetProperty("nextOffset").GetInt64());
    }

    /// <summary>An offset past the high watermark, or below the log start, is 416 with both bounds.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Fetch_out_of_range_is_416_with_both_bounds()
    {
        var topic = await CreateTopicAsync();
        await ProduceAsync(topic, """[{"value":"a"},{"value":"b"}]""");
        var above = await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/0/records?offset=3", 416, "OFFSET_OUT_OF_RANGE");
        Assert.Equal(0, above.GetProperty("logStartOffset").GetInt64());
        Assert.Equal(2, above.GetProperty("highWatermark").GetInt64());
        var below = await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/0/records?offset=-1", 416, "OFFSET_OUT_OF_RANGE");
        Assert.Equal(2, below.GetProperty("highWatermark").GetInt64());
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/1/records", 404, "UNKNOWN_TOPIC_OR_PARTITION");
    }

    /// <summary>A fetch at the high watermark with maxWaitMs answers as soon as a record arrives.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Long_poll_answers_when_a_record_arrives()
    {
        var topic = await CreateTopicAsync();
        var poll = FetchAsync(topic, 0, "offset=0&maxWaitMs=20000");
        await Task.Delay(300);
        Assert.False(poll.IsCompleted);
        await ProduceAsync(topic, """[{"value":"late"}]""");
        var fetched = await poll;
        Assert.Equal("late", fetched.GetProperty("records")[0].GetProperty("value").GetString());

        var started = DateTime.UtcNow;
        var empty = await FetchAsync(topic, 0, "offset=1&maxWaitMs=300");
        Assert.Equal(0, empty.GetProperty("records").GetArrayLength());
        Assert.Equal(1, empty.GetProperty("nextOffset").GetInt64());
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250), "answered before maxWaitMs with nothing new");
    }

    /// <summary>List offsets: earliest, latest, the first at or after a timestamp, and null where none qualifies.</summary>
    [Fact(Timeout = 60_000)]
    public async Task List_offsets_by_earliest_latest_and_timestamp()
    {
        var topic = await CreateTopicAsync();
        await ProduceAsync(topic, """[{"value":"a","timestamp":1000},{"value":"b","timestamp":2000},{"value":"c","timestamp":3000}]""");
        async Task<JsonElement> At(string at) => (await Client.JsonAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/0/offsets?at={at}")).Body;
        Assert.Equal(0, (await At("earliest")).GetProperty("offset").GetInt64());
        Assert.Equal(3, (await At("latest")).GetProperty("offset").GetInt64());
        var byTime = await At("1500");
        Assert.Equal(1, byTime.GetProperty("offset").GetInt64());
        Assert.Equal(2000, byTime.GetProperty("timestamp").GetInt64());
        Assert.Equal(JsonValueKind.Null, (await At("9000")).GetProperty("offset").ValueKind);
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/0/offsets", 400, "INVALID_REQUEST");
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/0/offsets?at=soon", 400, "INVALID_REQUEST");
    }

    /// <summary>Groups: commit (204), read with lag, list, delete; an unknown group is 404; above the high watermark is 416.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Group_offsets_commit_read_list_delete()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        await ProduceAsync(topic, """[{"value":"a","partition":0},{"value":"b","partition":0},{"value":"c","partition":0}]""");
        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        using (var committed = await Client.SendAsync(HttpMethod.Post, $"/api/groups/{group}/offsets", $$"""{"offsets":[{"topic":"{{topic}}","partition":0,"offset":1,"metadata":"m"},{"topic":"{{topic}}","partition":1,"offset":0}]}"""))
        {
            Assert.Equal(HttpStatusCode.NoContent, committed.StatusCode);
        }

        var (_, offsets) = await Client.JsonAsync(HttpMethod.Get, $"/api/groups/{group}/offsets?topic={topic}");
        Assert.Equal(group, offsets.GetProperty("group").GetString());
        var p0 = offsets.GetProperty("offsets").EnumerateArray().Single(o => o.GetProperty("partition").GetInt32() == 0);
        Assert.Equal(1, p0.GetProperty("offset").GetInt64());
        Assert.Equal("m", p0.GetProperty("metadata").GetString());
        Assert.Equal(2, p0.GetProperty("lag").GetInt64());

        var (_, groups) = await Client.JsonAsync(HttpMethod.Get, "/api/groups");
        Assert.Contains(groups.GetProperty("groups").EnumerateArray(), g => g.GetProperty("group").GetString() == group);

        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/offsets", 416, "OFFSET_OUT_OF_RANGE", $$"""{"offsets":[{"topic":"{{topic}}","partition":0,"offset":4}]}""");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/groups/{group}/offsets", 404, "UNKNOWN_TOPIC_OR_PARTITION", $$"""{"offsets":[{"topic":"{{topic}}","partition":5,"offset":0}]}""");
        using (var deleted = await Client.SendAsync(HttpMethod.Delete, $"/api/groups/{group}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await Client.ProblemAsync(HttpMethod.Get, $"/api/groups/{group}/offsets", 404, "GROUP_ID_NOT_FOUND");
        await Client.ProblemAsync(HttpMethod.Delete, $"/api/groups/{group}", 404, "GROUP_ID_NOT_FOUND");
        await Client.ProblemAsync(HttpMethod.Get, "/api/groups/bad%20name/offsets", 400, "INVALID_GROUP");
    }

    /// <summary>Health answers 200 naming each location; the OpenAPI document is served and lists every route of the contract.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Health_and_openapi_are_served()
    {
        var (status, health) = await Client.JsonAsync(HttpMethod.Get, "/api/health");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.NotEmpty(health.GetProperty("locations").EnumerateArray());

        var (openApiStatus, document) = await Client.JsonAsync(HttpMethod.Get, "/api/openapi.json");
        Assert.Equal(HttpStatusCode.OK, openApiStatus);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/topics", "/api/topics/{topic}", "/api/topics/{topic}/records", "/api/topics/{topic}/partitions/{partition}/records", "/api/groups/{group}/offsets", "/api/health" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    /// <summary>Names that break Kafka's rule are 400 before any storage call, wherever they appear.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData("a%2Fb")]
    [InlineData("quote%22d")]
    [InlineData("space%20d")]
    [InlineData("caf%C3%A9")]
    public async Task Illegal_topic_names_in_paths_are_invalid_topic(string encodedName)
    {
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{encodedName}", 400, "INVALID_TOPIC");
        await Client.ProblemAsync(HttpMethod.Post, $"/api/topics/{encodedName}/records", 400, "INVALID_TOPIC", """{"records":[{"value":"x"}]}""");
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{encodedName}/partitions/0/records", 400, "INVALID_TOPIC");
    }

    /// <summary>Retry hints: a retriable problem carries Retry-After; a caller error does not.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Caller_errors_carry_no_retry_hint()
    {
        using var response = await Client.SendAsync(HttpMethod.Get, $"/api/topics/{NewTopic()}");
        await ApiClient.AssertProblemAsync(response, 404, "UNKNOWN_TOPIC_OR_PARTITION");
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    /// <summary>Numbers in a path that cannot be a partition: a word is 400, a negative or huge number an unknown partition.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Partition_in_the_path_is_checked()
    {
        var topic = await CreateTopicAsync();
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/zero/records", 400, "INVALID_REQUEST");
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/-1/records", 404, "UNKNOWN_TOPIC_OR_PARTITION");
        await Client.ProblemAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/{long.MaxValue.ToString(CultureInfo.InvariantCulture)}/records", 404, "UNKNOWN_TOPIC_OR_PARTITION");
    }
}

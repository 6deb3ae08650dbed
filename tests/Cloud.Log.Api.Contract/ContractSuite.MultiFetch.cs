using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Wire;
using Xunit;

namespace Cloud.Log.Api.Contract;

/// <summary>The multi-partition fetch, <c>POST /api/fetch</c>: several partitions of several topics in one request.</summary>
public abstract partial class ContractSuite
{
    private async Task<JsonElement> MultiFetchAsync(string body)
    {
        var (status, answer) = await Client.JsonAsync(HttpMethod.Post, "/api/fetch", body);
        Assert.True(status == HttpStatusCode.OK, answer.ToString());
        return answer.GetProperty("partitions");
    }

    /// <summary>One request answers every partition asked for, of two topics, in request order, each with its own records and offsets.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_answers_each_partition_of_several_topics_in_request_order()
    {
        var first = await CreateTopicAsync(partitions: 2);
        var second = await CreateTopicAsync();
        await ProduceAsync(first, """[{"value":"a0","partition":0},{"value":"a1","partition":0},{"value":"b0","partition":1}]""");
        await ProduceAsync(second, """[{"value":"c0"}]""");
        var partitions = await MultiFetchAsync($$"""{"partitions":[{"topic":"{{second}}","partition":0,"offset":0},{"topic":"{{first}}","partition":1,"offset":0},{"topic":"{{first}}","partition":0,"offset":1}]}""");

        Assert.Equal([second, first, first], partitions.EnumerateArray().Select(p => p.GetProperty("topic").GetString()));
        Assert.Equal([0, 1, 0], partitions.EnumerateArray().Select(p => p.GetProperty("partition").GetInt32()));
        Assert.Equal(["c0"], Values(partitions[0]));
        Assert.Equal(["b0"], Values(partitions[1]));
        Assert.Equal(["a1"], Values(partitions[2]));
        Assert.Equal(1, partitions[2].GetProperty("records")[0].GetProperty("offset").GetInt64());
        Assert.Equal(2, partitions[2].GetProperty("nextOffset").GetInt64());
        Assert.Equal(2, partitions[2].GetProperty("highWatermark").GetInt64());
        Assert.Equal(0, partitions[2].GetProperty("logStartOffset").GetInt64());
        Assert.All(partitions.EnumerateArray(), p => Assert.False(p.TryGetProperty("error", out _)));
    }

    /// <summary>An unknown topic, a partition past the count and an offset out of range are those partitions' errors; the others are answered.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_answers_a_partitions_error_in_that_partition_only()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        await ProduceAsync(topic, """[{"value":"x","partition":0},{"value":"y","partition":1}]""");
        var unknown = NewTopic();
        var partitions = await MultiFetchAsync($$"""{"partitions":[{"topic":"{{unknown}}","partition":0,"offset":0},{"topic":"{{topic}}","partition":5,"offset":0},{"topic":"{{topic}}","partition":1,"offset":7},{"topic":"{{topic}}","partition":0,"offset":0}]}""");

        Assert.Equal("UNKNOWN_TOPIC_OR_PARTITION", Error(partitions[0]).GetProperty("code").GetString());
        Assert.Equal(404, Error(partitions[0]).GetProperty("status").GetInt32());
        Assert.Equal("UNKNOWN_TOPIC_OR_PARTITION", Error(partitions[1]).GetProperty("code").GetString());
        Assert.Equal("OFFSET_OUT_OF_RANGE", Error(partitions[2]).GetProperty("code").GetString());
        Assert.Equal(1, partitions[2].GetProperty("highWatermark").GetInt64());
        Assert.Equal(0, partitions[2].GetProperty("logStartOffset").GetInt64());
        Assert.Equal(7, partitions[2].GetProperty("nextOffset").GetInt64());
        Assert.Equal(["x"], Values(partitions[3]));
        Assert.False(partitions[3].TryGetProperty("error", out _));
    }

    /// <summary>The whole answer's maxBytes: the first partition with records comes whole, a later one that does not fit answers none at its offset.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_keeps_to_the_requests_max_bytes_in_request_order()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        var big = new string('v', 3000);
        await ProduceAsync(topic, $$"""[{"value":"{{big}}","partition":0},{"value":"{{big}}","partition":1}]""");
        var partitions = await MultiFetchAsync($$"""{"maxBytes":4000,"partitions":[{"topic":"{{topic}}","partition":1,"offset":0},{"topic":"{{topic}}","partition":0,"offset":0}]}""");

        Assert.Single(Values(partitions[0]));
        Assert.Empty(Values(partitions[1]));
        Assert.Equal(0, partitions[1].GetProperty("nextOffset").GetInt64());
        Assert.Equal(1, partitions[1].GetProperty("highWatermark").GetInt64());
    }

    /// <summary>With maxWaitMs, a fetch of partitions all at their ends answers as soon as any one of them gets a record, and after the wait when none does.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_long_polls_until_any_partition_has_records()
    {
        var topic = await CreateTopicAsync(partitions: 3);
        var body = $$"""{"maxWaitMs":20000,"partitions":[{"topic":"{{topic}}","partition":0,"offset":0},{"topic":"{{topic}}","partition":1,"offset":0},{"topic":"{{topic}}","partition":2,"offset":0}]}""";
        var poll = MultiFetchAsync(body);
        await Task.Delay(300);
        Assert.False(poll.IsCompleted);
        await ProduceAsync(topic, """[{"value":"late","partition":2}]""");
        var partitions = await poll;
        Assert.Equal(["late"], Values(partitions[2]));
        Assert.Equal(0, partitions[0].GetProperty("nextOffset").GetInt64());

        var started = DateTime.UtcNow;
        var empty = await MultiFetchAsync($$"""{"maxWaitMs":300,"partitions":[{"topic":"{{topic}}","partition":0,"offset":0},{"topic":"{{topic}}","partition":2,"offset":1}]}""");
        Assert.All(empty.EnumerateArray(), p => Assert.Empty(Values(p)));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(250), "answered before maxWaitMs with nothing new");
    }

    /// <summary>The binary answer: one frame per partition, in request order, each the stored batches a single binary fetch answers, with its offsets or error.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_binary_answers_stored_batches_framed_per_partition()
    {
        var topic = await CreateTopicAsync(partitions: 2);
        await ProduceAsync(topic, """[{"value":"p0","partition":0},{"value":"p1a","partition":1},{"value":"p1b","partition":1}]""");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/fetch")
        {
            Content = new StringContent($$"""{"partitions":[{"topic":"{{topic}}","partition":1,"offset":0},{"topic":"{{topic}}","partition":0,"offset":0},{"topic":"{{topic}}","partition":9,"offset":0}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.RecordBatches));
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MediaTypes.RecordBatches, response.Content.Headers.ContentType?.MediaType);
        var frames = FetchFrames.Read(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal([1, 0, 9], frames.Select(f => f.Partition));
        Assert.Equal(["p1a", "p1b"], RecordBatch.DecodeRecords(frames[0].Batches).Select(r => Encoding.UTF8.GetString(r.Value!.Value.Span)));
        Assert.Equal(2, frames[0].NextOffset);
        Assert.Equal(2, frames[0].HighWatermark);
        Assert.Equal(200, frames[0].Status);
        Assert.Null(frames[0].Code);
        Assert.Equal(["p0"], RecordBatch.DecodeRecords(frames[1].Batches).Select(r => Encoding.UTF8.GetString(r.Value!.Value.Span)));
        Assert.Equal(404, frames[2].Status);
        Assert.Equal("UNKNOWN_TOPIC_OR_PARTITION", frames[2].Code);
        Assert.True(frames[2].Batches.IsEmpty);
    }

    /// <summary>A bad entry anywhere refuses the whole request before anything is read: duplicates, negative offsets, too large a budget.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_refuses_bad_entries_as_a_whole()
    {
        var topic = await CreateTopicAsync();
        var good = $$"""{"topic":"{{topic}}","partition":0,"offset":0}""";
        await Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 400, "INVALID_REQUEST", "{\"partitions\":[" + good + "," + good + "]}");
        await Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 400, "INVALID_REQUEST", $$"""{"partitions":[{"topic":"{{topic}}","partition":0,"offset":-1}]}""");
        await Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 400, "INVALID_REQUEST", "{\"maxBytes\":2147483647,\"partitions\":[" + good + "]}");
        await Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 400, "INVALID_TOPIC", "{\"partitions\":[" + good + ",{\"topic\":\"a b\",\"partition\":0,\"offset\":0}]}");
    }

    private static List<string?> Values(JsonElement partition) => partition.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("value").GetString()).ToList();

    private static JsonElement Error(JsonElement partition)
    {
        Assert.True(partition.TryGetProperty("error", out var error), $"No error in {partition}");
        return error;
    }
}

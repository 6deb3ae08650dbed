using System.Net;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// Issue 13, defect 8, over HTTP: a JSON produce whose records go to several partitions, one of which refuses
/// its batch after another stored its own, is answered 200 with the stored offsets and, on each record of
/// the refused partition, the error — never a 409 for a request that was partly stored.
/// </summary>
public sealed class ProducePerPartitionTests(StorageFixture storage)
{
    /// <summary>An idempotent producer's request over partitions 0 and 1 with a sequence gap in 1: 0 is stored and answered, 1 carries OUT_OF_ORDER_SEQUENCE_NUMBER.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_partly_refused_multi_partition_produce_answers_each_partition()
    {
        await using var host = await ServerHost.StartAsync(storage, new Dictionary<string, string?> { ["CloudLog:ProduceQueue:Enabled"] = "false" });
        Assert.Equal(HttpStatusCode.Created, (await host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders","partitions":2}""")).Status);
        var (_, producer) = await host.Client.JsonAsync(HttpMethod.Post, "/api/producers");
        var id = producer.GetProperty("producerId").GetInt64();
        string Body(int p0, int p1) => $$"""{"producerId":{{id}},"producerEpoch":0,"baseSequences":{"0":{{p0}},"1":{{p1}}},"records":[{"value":"a","partition":0},{"value":"b","partition":1}]}""";
        Assert.Equal(HttpStatusCode.OK, (await host.Client.JsonAsync(HttpMethod.Post, "/api/topics/orders/records", Body(0, 0))).Status);

        var (status, answer) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics/orders/records", Body(1, 7));
        Assert.Equal(HttpStatusCode.OK, status);
        var offsets = answer.GetProperty("offsets");
        Assert.Equal(1, offsets[0].GetProperty("offset").GetInt64());
        Assert.False(offsets[0].TryGetProperty("error", out _));
        Assert.Equal(-1, offsets[1].GetProperty("offset").GetInt64());
        Assert.Equal("OUT_OF_ORDER_SEQUENCE_NUMBER", offsets[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(409, offsets[1].GetProperty("error").GetProperty("status").GetInt32());

        var (_, p0) = await host.Client.JsonAsync(HttpMethod.Get, "/api/topics/orders/partitions/0/records?offset=0");
        var (_, p1) = await host.Client.JsonAsync(HttpMethod.Get, "/api/topics/orders/partitions/1/records?offset=0");
        Assert.Equal(2, p0.GetProperty("highWatermark").GetInt64());
        Assert.Equal(1, p1.GetProperty("highWatermark").GetInt64());

        // Every partition refused: nothing stored, the first failure's problem.
        using var refused = await host.Client.SendAsync(HttpMethod.Post, "/api/topics/orders/records", Body(9, 9));
        await ApiClient.AssertProblemAsync(refused, 409, "OUT_OF_ORDER_SEQUENCE_NUMBER");
    }
}

using System.Net;
using System.Text.Json;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>Issue 13: losing every in-sync copy of a replicated partition at once, and getting them back.</summary>
public sealed class IsrLossTests(StorageFixture storage)
{
    /// <summary>
    /// A topic with replication factor 2 and min.insync.replicas 2 over two Azurites, each behind a relay (the
    /// metadata tables elsewhere). Both relays stop (connections refused, the stores keep what they hold):
    /// every produce answers 503 with Retry-After, never 200 and never a 500. Both come back: produces are
    /// acknowledged again within 60 s, and a fetch from the start holds every record acknowledged before, during
    /// and after, each at the offset it was acknowledged at, and no other.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task Losing_the_whole_isr_answers_503_loses_nothing_acknowledged_and_writes_resume()
    {
        await using var azurite0 = await AzuriteProcess.StartAsync();
        await using var azurite1 = await AzuriteProcess.StartAsync();
        using var relay0 = TcpRelay.Create(azurite0.BlobPort);
        using var relay1 = TcpRelay.Create(azurite1.BlobPort);
        await using var host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Metadata:ConnectionString"] = storage.ConnectionString,
            ["CloudLog:Locations:0:Name"] = "zone0",
            ["CloudLog:Locations:0:ConnectionString"] = Relayed(relay0),
            ["CloudLog:Locations:1:Name"] = "zone1",
            ["CloudLog:Locations:1:ConnectionString"] = Relayed(relay1),
            ["CloudLog:Engine:ReplicaLagTimeMax"] = "00:00:01",
            ["CloudLog:Jobs:ReplicationInterval"] = "00:00:01",
            ["CloudLog:ProduceQueue:Enabled"] = "false",
        });
        var (created, createdBody) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders","partitions":1,"replicationFactor":2,"configs":{"min.insync.replicas":"2"}}""");
        Assert.True(created == HttpStatusCode.Created, createdBody.ToString());
        var acknowledged = new Dictionary<long, string>();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await TryProduceAsync(host, $"before-{i}", acknowledged) == HttpStatusCode.OK);
        }

        relay0.Stop();
        relay1.Stop();
        for (var i = 0; i < 4; i++)
        {
            using var produce = await host.Client.SendAsync(HttpMethod.Post, "/api/topics/orders/records", $$"""{"records":[{"value":"during-{{i}}"}]}""");
            var body = await produce.Content.ReadAsStringAsync();
            Assert.True(produce.StatusCode == HttpStatusCode.ServiceUnavailable, $"produce {i} with every copy down: {(int)produce.StatusCode} {body}");
            Assert.True(produce.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"no Retry-After on {body}");
        }

        relay0.Start();
        relay1.Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var resumed = 0;
        while (resumed < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "writes did not resume within 60 s of the copies coming back");
            var status = await TryProduceAsync(host, $"after-{resumed}", acknowledged);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"produce after the outage: {(int)status}");
            if (status == HttpStatusCode.OK)
            {
                resumed++;
            }
            else
            {
                await Task.Delay(250);
            }
        }

        var (fetched, records) = await host.Client.JsonAsync(HttpMethod.Get, "/api/topics/orders/partitions/0/records?offset=0&maxRecords=1000");
        Assert.True(fetched == HttpStatusCode.OK, records.ToString());
        var stored = records.GetProperty("records").EnumerateArray().ToDictionary(r => r.GetProperty("offset").GetInt64(), r => r.GetProperty("value").GetString()!);
        Assert.All(acknowledged, a => Assert.True(stored.TryGetValue(a.Key, out var value) && value == a.Value, $"offset {a.Key} was acknowledged as {a.Value}, holds {(stored.TryGetValue(a.Key, out var v) ? v : "nothing")}"));
        Assert.Equal(stored.Count, stored.Values.Distinct().Count()); // no record twice
    }

    private static string Relayed(TcpRelay relay) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};BlobEndpoint=http://127.0.0.1:{relay.Port}/devstoreaccount1;";

    /// <summary>One produce of one record; an acknowledged one is remembered at its offset.</summary>
    private static async Task<HttpStatusCode> TryProduceAsync(ServerHost host, string value, Dictionary<long, string> acknowledged)
    {
        var (status, body) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics/orders/records", $$"""{"records":[{"value":"{{value}}"}]}""");
        if (status == HttpStatusCode.OK)
        {
            acknowledged[body.GetProperty("offsets")[0].GetProperty("offset").GetInt64()] = value;
        }

        return status;
    }
}

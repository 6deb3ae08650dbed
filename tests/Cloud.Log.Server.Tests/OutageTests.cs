using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>A storage outage is the service's trouble, not the caller's: 503 with Retry-After, never a 500, and health says which location.</summary>
public sealed class OutageTests(StorageFixture storage)
{
    /// <summary>With its storage gone, produce and fetch answer 503 STORAGE_UNAVAILABLE with Retry-After, and health 503 names the location.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Storage_outage_is_503_with_retry_after()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await using var host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Locations:0:Name"] = "primary",
            ["CloudLog:Locations:0:ConnectionString"] = azurite.ConnectionString,
        });
        var (created, _) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders"}""");
        Assert.Equal(System.Net.HttpStatusCode.Created, created);
        await azurite.KillAsync();

        using (var produce = await host.Client.SendAsync(HttpMethod.Post, "/api/topics/orders/records", """{"records":[{"value":"x"}]}"""))
        {
            await ApiClient.AssertProblemAsync(produce, 503, "STORAGE_UNAVAILABLE");
            Assert.True(produce.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        using (var health = await host.Client.SendAsync(HttpMethod.Get, "/api/health"))
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.True(health.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            var body = System.Text.Json.JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
            var location = body.GetProperty("locations")[0];
            Assert.Equal("primary", location.GetProperty("name").GetString());
            Assert.Equal("unavailable", location.GetProperty("status").GetString());
        }
    }

    /// <summary>
    /// Issue 13, defect 14: the server starts while a replica location refuses connections (a port where
    /// nothing listens), serves from the other, and health names the one that is down. Before the fix the
    /// engine's start-up gave up on that location's container and the host did not start.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Server_starts_and_serves_with_a_replica_location_down()
    {
        using var down = TcpRelay.Create(1, up: false); // a free loopback port with nothing listening
        await using var host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Locations:1:Name"] = "down",
            ["CloudLog:Locations:1:ConnectionString"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};BlobEndpoint=http://127.0.0.1:{down.Port}/devstoreaccount1;",
            ["CloudLog:ProduceQueue:Enabled"] = "false",
        });
        var (created, _) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders","partitions":1,"replicationFactor":1}""");
        Assert.Equal(System.Net.HttpStatusCode.Created, created);
        var (produced, body) = await host.Client.JsonAsync(HttpMethod.Post, "/api/topics/orders/records", """{"records":[{"value":"x"}]}""");
        Assert.True(produced == System.Net.HttpStatusCode.OK, body.ToString());

        using var health = await host.Client.SendAsync(HttpMethod.Get, "/api/health");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var locations = System.Text.Json.JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("locations");
        Assert.Equal(["ok", "unavailable"], locations.EnumerateArray().Select(l => l.GetProperty("status").GetString()));
    }
}

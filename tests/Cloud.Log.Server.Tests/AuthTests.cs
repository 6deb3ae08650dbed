using System.Net;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// API keys in the server: no key is 401, an unknown key is 401, a key without the right (or outside its
/// topic prefixes) is 403, the right key passes; health and the OpenAPI document need none.
/// </summary>
public sealed class AuthTests(StorageFixture storage) : IAsyncLifetime
{
    private ServerHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
    {
        ["CloudLog:Auth:ApiKeys:0:Name"] = "ops",
        ["CloudLog:Auth:ApiKeys:0:Key"] = "admin-secret",
        ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
        ["CloudLog:Auth:ApiKeys:1:Name"] = "checkout",
        ["CloudLog:Auth:ApiKeys:1:Key"] = "produce-secret",
        ["CloudLog:Auth:ApiKeys:1:Rights:0"] = "produce",
        ["CloudLog:Auth:ApiKeys:1:TopicPrefixes:0"] = "orders.",
        ["CloudLog:Auth:ApiKeys:2:Name"] = "billing",
        ["CloudLog:Auth:ApiKeys:2:Key"] = "consume-secret",
        ["CloudLog:Auth:ApiKeys:2:Rights:0"] = "consume",
        ["CloudLog:Auth:ApiKeys:3:Name"] = "reporting",
        ["CloudLog:Auth:ApiKeys:3:Key"] = "orders-reader-secret",
        ["CloudLog:Auth:ApiKeys:3:Rights:0"] = "consume",
        ["CloudLog:Auth:ApiKeys:3:TopicPrefixes:0"] = "orders.",
    });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static Dictionary<string, string> Key(string key) => new() { ["x-api-key"] = key };

    /// <summary>Without a key every endpoint but health and the OpenAPI document is 401.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Missing_or_unknown_key_is_401()
    {
        await _host.Client.ProblemAsync(HttpMethod.Get, "/api/topics", 401, "UNAUTHORIZED");
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/topics", 401, "UNAUTHORIZED", """{"name":"x"}""");
        await _host.Client.ProblemAsync(HttpMethod.Get, "/api/topics", 401, "UNAUTHORIZED", headers: Key("guess"));
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Get, "/api/health")).Status);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Get, "/api/openapi.json")).Status);
    }

    /// <summary>A key is held to its rights and topic prefixes (403); within them it works; admin includes the rest.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Keys_are_limited_to_their_rights_and_topic_prefixes()
    {
        var admin = Key("admin-secret");
        var producer = Key("produce-secret");
        var consumer = Key("consume-secret");
        Assert.Equal(HttpStatusCode.Created, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders.eu"}""", admin)).Status);
        Assert.Equal(HttpStatusCode.Created, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"audit"}""", admin)).Status);

        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/topics", 403, "FORBIDDEN", """{"name":"orders.us"}""", producer);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/topics/orders.eu/records", """{"records":[{"value":"x"}]}""", producer)).Status);
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/topics/audit/records", 403, "FORBIDDEN", """{"records":[{"value":"x"}]}""", producer);
        await _host.Client.ProblemAsync(HttpMethod.Get, "/api/topics/orders.eu/partitions/0/records", 403, "FORBIDDEN", headers: producer);

        var (_, visible) = await _host.Client.JsonAsync(HttpMethod.Get, "/api/topics", headers: producer);
        Assert.Equal(["orders.eu"], visible.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Get, "/api/topics/orders.eu/partitions/0/records", headers: consumer)).Status);
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/topics/orders.eu/records", 403, "FORBIDDEN", """{"records":[{"value":"x"}]}""", consumer);
        await _host.Client.ProblemAsync(HttpMethod.Delete, "/api/topics/audit", 403, "FORBIDDEN", headers: consumer);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Get, "/api/topics/audit/partitions/0/records", headers: admin)).Status);
    }

    /// <summary>A multi-partition fetch needs the consume right and every topic it names within the key's prefixes: one outside refuses the whole request (403).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Multi_fetch_checks_the_right_and_the_prefix_of_every_topic_named()
    {
        var admin = Key("admin-secret");
        Assert.Equal(HttpStatusCode.Created, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders.fetch"}""", admin)).Status);
        Assert.Equal(HttpStatusCode.Created, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"audit.fetch"}""", admin)).Status);
        const string Orders = """{"partitions":[{"topic":"orders.fetch","partition":0,"offset":0}]}""";
        const string Both = """{"partitions":[{"topic":"orders.fetch","partition":0,"offset":0},{"topic":"audit.fetch","partition":0,"offset":0}]}""";

        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/fetch", Orders, Key("orders-reader-secret"))).Status);
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 403, "FORBIDDEN", Both, Key("orders-reader-secret"));
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 403, "FORBIDDEN", Orders, Key("produce-secret"));
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/fetch", 401, "UNAUTHORIZED", Orders);
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Post, "/api/fetch", Both, Key("consume-secret"))).Status);
    }

    /// <summary>The function app's key header works here too, so one client setting serves both hosts.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Function_key_header_is_taken_as_an_api_key()
    {
        var functionKey = new Dictionary<string, string> { ["x-functions-key"] = "consume-secret" };
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.JsonAsync(HttpMethod.Get, "/api/topics", headers: functionKey)).Status);
        await _host.Client.ProblemAsync(HttpMethod.Post, "/api/topics", 403, "FORBIDDEN", """{"name":"nope"}""", functionKey);
        await _host.Client.ProblemAsync(HttpMethod.Get, "/api/topics", 401, "UNAUTHORIZED", headers: new Dictionary<string, string> { ["x-functions-key"] = "guess" });
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Confluent.Kafka;

namespace Cloud.Log.Kafka.Tests.Auth;

/// <summary>The server's REST API accepts the same bearer tokens as the Kafka listener's OAUTHBEARER, with the same roles.</summary>
public sealed class RestBearerTokenTests(SecuredKafkaServerFixture server)
{
    /// <summary>One token produces over Kafka (OAUTHBEARER) and reads the same record over REST (Authorization: Bearer).</summary>
    [Fact(Timeout = 60_000)]
    public async Task OneTokenProducesOverKafkaAndReadsOverRest()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "bearer-" + Guid.NewGuid().ToString("N")[..10];
        await server.CreateTopicAsync(topic, 1, cancellationToken: ct);
        var token = server.Issuer.Issue(["CloudLog.Produce", "CloudLog.Consume"]);
        using (var producer = new ProducerBuilder<string, string>(server.OAuthBearer(new ProducerConfig()))
            .SetOAuthBearerTokenRefreshHandler((client, _) => SecuredKafkaServerFixture.UseToken(client, token))
            .Build())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "over-kafka" }, ct);
        }

        using var response = await SendAsync(HttpMethod.Get, $"api/topics/{topic}/partitions/0/records?offset=0", token, null, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("over-kafka", json.RootElement.GetProperty("records")[0].GetProperty("value").GetString());
    }

    /// <summary>The token's app roles give its rights on REST: produce needs CloudLog.Produce (403 without), creating a topic CloudLog.Admin.</summary>
    [Fact(Timeout = 60_000)]
    public async Task TokenRolesGiveTheirRightsOnRest()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = "bearer-" + Guid.NewGuid().ToString("N")[..10];
        using (var created = await SendAsync(HttpMethod.Post, "api/topics", server.Issuer.Issue(["CloudLog.Admin"]), $$"""{"name":"{{topic}}","partitions":1}""", ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        const string records = """{"records":[{"value":"v"}]}""";
        using (var refused = await SendAsync(HttpMethod.Post, $"api/topics/{topic}/records", server.Issuer.Issue(["CloudLog.Consume"]), records, ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var produced = await SendAsync(HttpMethod.Post, $"api/topics/{topic}/records", server.Issuer.Issue(["CloudLog.Produce"]), records, ct))
        {
            Assert.Equal(HttpStatusCode.OK, produced.StatusCode);
        }

        using var topicsWithoutRoles = await SendAsync(HttpMethod.Get, "api/topics", server.Issuer.Issue([]), null, ct);
        Assert.Equal(HttpStatusCode.OK, topicsWithoutRoles.StatusCode); // describing needs only a valid token
    }

    /// <summary>No credentials, an expired token, one signed by another key and one for another audience get 401, and nothing is created.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData("none")]
    [InlineData("expired")]
    [InlineData("foreign-key")]
    [InlineData("audience")]
    public async Task BadOrMissingTokensGet401(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        var roles = new[] { "CloudLog.Admin" };
        var token = kind switch
        {
            "expired" => server.Issuer.Issue(roles, TimeSpan.FromMinutes(-10)),
            "foreign-key" => server.Issuer.Issue(roles, foreignKey: true),
            "audience" => server.Issuer.Issue(roles, audience: "api://someone-else"),
            _ => null,
        };
        var topic = "refused-" + Guid.NewGuid().ToString("N")[..10];
        using var response = await SendAsync(HttpMethod.Post, "api/topics", token, $$"""{"name":"{{topic}}","partitions":1}""", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var check = await SendAsync(HttpMethod.Get, $"api/topics/{topic}", server.Issuer.Issue(roles), null, ct);
        Assert.Equal(HttpStatusCode.NotFound, check.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return await server.Host.Client.SendAsync(request, ct);
    }
}

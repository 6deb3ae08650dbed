using System.Net;
using Azure;
using Azure.Core;
using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>The three ways to authenticate: an API or function key, an Entra ID token, none (loopback).</summary>
public sealed class CredentialTests(StorageFixture storage) : TestServer(storage)
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["CloudLog:Auth:ApiKeys:0:Name"] = "app",
        ["CloudLog:Auth:ApiKeys:0:Key"] = "s3cret",
        ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
    };

    /// <summary>A key credential is sent with every request (the server takes it); a wrong or missing key is a 401 that is not transient.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Key_credentials_authenticate_and_wrong_keys_are_refused()
    {
        var proxy = new FaultProxy();
        var admin = new CloudLogAdminClient(Endpoint, new AzureKeyCredential("s3cret"), Through(new CloudLogAdminClientOptions(), proxy));
        var topic = NewTopic();
        await admin.CreateTopicAsync(topic);

        var producer = new CloudLogProducerClient(Endpoint, new AzureKeyCredential("s3cret"), Through(new CloudLogProducerClientOptions(), new FaultProxy()));
        await using (producer)
        {
            Assert.Equal(0, (await producer.ProduceAsync(topic, Message(null, "authorised"))).Offset.Value);
        }

        var wrong = new CloudLogAdminClient(Endpoint, new AzureKeyCredential("guess"), Through(new CloudLogAdminClientOptions(), new FaultProxy()));
        var refused = await Assert.ThrowsAsync<CloudLogException>(() => wrong.GetTopicAsync(topic));
        Assert.Equal(CloudLogErrorCode.Unauthorized, refused.Code);
        Assert.False(refused.IsTransient);
        var anonymous = await Assert.ThrowsAsync<CloudLogException>(() => Admin().GetTopicAsync(topic));
        Assert.Equal((int)HttpStatusCode.Unauthorized, anonymous.Status);
    }

    /// <summary>
    /// A token credential is asked for the audience's scope and its token goes as a bearer token. The token
    /// policy insists on https, as Azure does: the endpoint is https and the test transport carries it to the
    /// local server over http.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Token_credentials_send_a_bearer_token_for_the_audience()
    {
        var credential = new FixedTokenCredential();
        var capture = new HttpsToHttp(Endpoint);
        var options = new CloudLogAdminClientOptions { Audience = "api://cloudlog-app/.default", Transport = new Azure.Core.Pipeline.HttpClientTransport(new HttpClient(capture)) };
        var admin = new CloudLogAdminClient(new Uri("https://cloudlog.example"), credential, options);

        var error = await Assert.ThrowsAsync<CloudLogException>(() => admin.GetTopicAsync(NewTopic()));

        Assert.Equal(CloudLogErrorCode.Unauthorized, error.Code); // the server takes keys, not tokens: App Service Authentication does that in Azure
        Assert.Equal(["api://cloudlog-app/.default"], credential.Scopes);
        Assert.Equal("Bearer token-for-test", capture.Authorization);

        var byDefault = new FixedTokenCredential();
        var admin2 = new CloudLogAdminClient(new Uri("https://cloudlog.example"), byDefault, new CloudLogAdminClientOptions { Transport = new Azure.Core.Pipeline.HttpClientTransport(new HttpClient(new HttpsToHttp(Endpoint))) });
        await Assert.ThrowsAsync<CloudLogException>(() => admin2.GetTopicAsync(NewTopic()));
        Assert.Equal(["https://cloudlog.example/.default"], byDefault.Scopes);
    }

    private sealed class FixedTokenCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("token-for-test", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    /// <summary>Carries https requests to the local http server, noting the Authorization header.</summary>
    private sealed class HttpsToHttp(Uri server) : DelegatingHandler(new SocketsHttpHandler())
    {
        public string? Authorization { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorization = request.Headers.Authorization?.ToString();
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = server.Scheme, Host = server.Host, Port = server.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

using System.Net;
using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Tests.Auth;

/// <summary>The server's REST auth over API keys and bearer tokens, without a token issuer (what needs no token check).</summary>
public class ServerRequestAuthorizerTests
{
    private static readonly BearerTokenOptions Bearer = new() { Authority = "https://login.example.com/tenant/v2.0", Audience = "api://cloudlog" };

    private static HttpRequest Request(string? key = null, string? bearer = null, string remote = "127.0.0.1")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (key is not null)
        {
            context.Request.Headers[ApiKeyAuthorizer.HeaderName] = key;
        }

        if (bearer is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + bearer;
        }

        return context.Request;
    }

    private static ServerRequestAuthorizer Authorizer(bool keys, bool bearer)
    {
        var key = new ApiKeyOptions { Name = "ops", Key = "ops-secret" };
        key.Rights.Add("admin");
        return new ServerRequestAuthorizer(new CloudLogCredentials(new ApiKeyAuthorizer(keys ? [key] : []), bearer ? new BearerTokenValidator(Bearer) : null));
    }

    /// <summary>With bearer tokens configured and no keys, a loopback request without a token is 401: loopback is trusted only with no credential configured.</summary>
    [Fact(Timeout = 10_000)]
    public async Task Bearer_without_keys_refuses_loopback_without_a_token()
    {
        var (caller, problem) = await Authorizer(keys: false, bearer: true).AuthorizeAsync(Request(), ApiAccess.Describe, TestContext.Current.CancellationToken);
        Assert.Null(caller);
        Assert.Equal(401, problem!.Status);
        Assert.Null((await Authorizer(keys: false, bearer: true).AuthorizeAsync(Request(), ApiAccess.Anonymous, TestContext.Current.CancellationToken)).Problem);
    }

    /// <summary>With nothing configured, loopback has every right and others are 403, as before bearer tokens.</summary>
    [Fact(Timeout = 10_000)]
    public async Task Nothing_configured_serves_loopback_only()
    {
        var authorizer = Authorizer(keys: false, bearer: false);
        Assert.Null((await authorizer.AuthorizeAsync(Request(), ApiAccess.Admin, TestContext.Current.CancellationToken)).Problem);
        Assert.Equal(403, (await authorizer.AuthorizeAsync(Request(remote: "10.0.0.9"), ApiAccess.Describe, TestContext.Current.CancellationToken)).Problem!.Status);
    }

    /// <summary>A bearer token sent to a server without bearer tokens configured is 401 with a hint, and API keys still work beside bearer tokens.</summary>
    [Fact(Timeout = 10_000)]
    public async Task Keys_work_beside_bearer_tokens_and_an_unconfigured_bearer_is_401()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(401, (await Authorizer(keys: true, bearer: false).AuthorizeAsync(Request(bearer: "x.y.z"), ApiAccess.Describe, ct)).Problem!.Status);
        Assert.Equal("ops", (await Authorizer(keys: true, bearer: true).AuthorizeAsync(Request(key: "ops-secret"), ApiAccess.Admin, ct)).Caller!.Name);
        Assert.Equal(401, (await Authorizer(keys: true, bearer: true).AuthorizeAsync(Request(key: "wrong"), ApiAccess.Admin, ct)).Problem!.Status);
    }

    /// <summary>A bearer value that is not a JWT is 401 without any call to the issuer.</summary>
    [Fact(Timeout = 10_000)]
    public async Task A_bearer_that_is_not_a_jwt_is_401()
    {
        var (_, problem) = await Authorizer(keys: false, bearer: true).AuthorizeAsync(Request(bearer: "not-a-token"), ApiAccess.Describe, TestContext.Current.CancellationToken);
        Assert.Equal(401, problem!.Status);
    }

    /// <summary>Bearer options are checked at start: an audience is required, and metadata over http only from loopback.</summary>
    [Fact]
    public void Bearer_options_are_checked_at_start()
    {
        Assert.Throws<ArgumentException>(() => new BearerTokenValidator(new BearerTokenOptions { Authority = "https://login.example.com/t" }));
        Assert.Throws<ArgumentException>(() => new BearerTokenValidator(new BearerTokenOptions { Authority = "http://login.example.com/t", Audience = "a" }));
        _ = new BearerTokenValidator(new BearerTokenOptions { Authority = "http://127.0.0.1:5000/", Audience = "a" });
    }

    /// <summary>The app roles give the same rights as on the function app.</summary>
    [Fact]
    public void App_roles_give_their_rights()
    {
        Assert.Equal(new[] { ApiAccess.Describe }, AppRoles.Rights(["Other.Role"]));
        Assert.Equal(new[] { ApiAccess.Describe, ApiAccess.Produce, ApiAccess.Consume }, AppRoles.Rights([AppRoles.Produce, AppRoles.Consume]).Order());
        Assert.Contains(ApiAccess.Admin, AppRoles.Rights([AppRoles.Admin]));
    }
}

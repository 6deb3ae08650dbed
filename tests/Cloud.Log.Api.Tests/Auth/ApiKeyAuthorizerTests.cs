using System.Net;
using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Tests.Auth;

public class ApiKeyAuthorizerTests
{
    private static HttpRequest Request(string? key = null, string remote = "127.0.0.1")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (key is not null)
        {
            context.Request.Headers[ApiKeyAuthorizer.HeaderName] = key;
        }

        return context.Request;
    }

    private static ApiKeyOptions Key(string key, string right, params string[] prefixes)
    {
        var options = new ApiKeyOptions { Name = key, Key = key };
        options.Rights.Add(right);
        foreach (var prefix in prefixes)
        {
            options.TopicPrefixes.Add(prefix);
        }

        return options;
    }

    /// <summary>With no key configured, loopback callers have every right and anyone else is 403.</summary>
    [Fact]
    public void Without_keys_only_loopback_is_served()
    {
        var authorizer = new ApiKeyAuthorizer([]);
        Assert.Null(authorizer.Authorize(Request(), ApiAccess.Admin).Problem);
        Assert.Null(authorizer.Authorize(Request(remote: "::1"), ApiAccess.Admin).Problem);
        Assert.Equal(403, authorizer.Authorize(Request(remote: "10.1.2.3"), ApiAccess.Consume).Problem!.Status);
        Assert.Null(authorizer.Authorize(Request(remote: "10.1.2.3"), ApiAccess.Anonymous).Problem);
    }

    /// <summary>With keys: none or unknown is 401; a key is held to its rights, admin includes produce and consume, and describe needs any key.</summary>
    [Fact]
    public void Keys_grant_their_rights_only()
    {
        var authorizer = new ApiKeyAuthorizer([Key("a", "admin"), Key("p", "produce", "orders.")]);
        Assert.Equal(401, authorizer.Authorize(Request(), ApiAccess.Describe).Problem!.Status);
        Assert.Equal(401, authorizer.Authorize(Request("x"), ApiAccess.Describe).Problem!.Status);
        Assert.Null(authorizer.Authorize(Request("a"), ApiAccess.Consume).Problem);
        Assert.Null(authorizer.Authorize(Request("a"), ApiAccess.Produce).Problem);
        Assert.Null(authorizer.Authorize(Request("p"), ApiAccess.Describe).Problem);
        Assert.Equal(403, authorizer.Authorize(Request("p"), ApiAccess.Consume).Problem!.Status);
        var producer = authorizer.Authorize(Request("p"), ApiAccess.Produce).Caller!;
        Assert.True(producer.CanAccessTopic("orders.eu"));
        Assert.False(producer.CanAccessTopic("orders"));
        Assert.True(authorizer.Authorize(Request("a"), ApiAccess.Admin).Caller!.CanAccessTopic("anything"));
    }

    /// <summary>A key without a secret, or with an unknown right, is a configuration error at start-up.</summary>
    [Fact]
    public void Misconfigured_keys_fail_at_start()
    {
        Assert.Throws<ArgumentException>(() => new ApiKeyAuthorizer([new ApiKeyOptions { Name = "empty" }]));
        Assert.Throws<ArgumentException>(() => new ApiKeyAuthorizer([Key("k", "superuser")]));
    }

    /// <summary>In the function app the host checked the key; an Entra ID principal's app roles then limit the rights.</summary>
    [Fact]
    public void Host_authorizer_limits_entra_principals_by_app_role()
    {
        var authorizer = new HostKeyAuthorizer();
        Assert.Null(authorizer.Authorize(Request(), ApiAccess.Admin).Problem);

        var principal = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            """{"auth_typ":"aad","role_typ":"roles","claims":[{"typ":"roles","val":"CloudLog.Produce"},{"typ":"name","val":"x"}]}"""));
        var context = new DefaultHttpContext();
        context.Request.Headers[HostKeyAuthorizer.PrincipalHeader] = principal;
        Assert.Null(authorizer.Authorize(context.Request, ApiAccess.Produce).Problem);
        Assert.Equal(403, authorizer.Authorize(context.Request, ApiAccess.Admin).Problem!.Status);
        context.Request.Headers[HostKeyAuthorizer.PrincipalHeader] = "not base64!";
        Assert.Equal(401, authorizer.Authorize(context.Request, ApiAccess.Produce).Problem!.Status);
    }
}

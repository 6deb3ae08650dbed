using System.Net;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>CORS from configuration: a browser app on an allowed origin can call every endpoint, preflight included.</summary>
public sealed class CorsTests(StorageFixture storage) : IAsyncLifetime
{
    private const string Allowed = "https://app.example.com";
    private ServerHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
    {
        ["CloudLog:Cors:AllowedOrigins:0"] = Allowed,
    });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<HttpResponseMessage> PreflightAsync(string origin, string method, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
        return await _host.Client.SendAsync(request);
    }

    /// <summary>A preflight from an allowed origin is answered with the origin, the method and the headers allowed.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Preflight_from_an_allowed_origin_is_allowed()
    {
        using var response = await PreflightAsync(Allowed, "POST", "/api/topics/orders/records");
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(Allowed, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Contains("x-api-key", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Another origin gets no CORS grant, so the browser refuses it.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Preflight_from_another_origin_gets_no_grant()
    {
        using var response = await PreflightAsync("https://evil.example.net", "POST", "/api/topics/orders/records");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    /// <summary>The real request carries the grant too, and exposes Retry-After and the binary fetch's offsets to scripts.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Actual_request_from_an_allowed_origin_carries_the_grant()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/topics");
        request.Headers.Add("Origin", Allowed);
        using var response = await _host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Allowed, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var exposed = string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers"));
        Assert.Contains("Retry-After", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("CloudLog-Next-Offset", exposed, StringComparison.OrdinalIgnoreCase);
    }
}

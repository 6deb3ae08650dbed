using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Cloud.Log.Api.Contract;

/// <summary>Small helpers over an <see cref="HttpClient"/>: send JSON, read JSON, check a problem answer.</summary>
public static class ApiClient
{
    /// <summary>Sends <paramref name="method"/> to <paramref name="path"/> with a raw body and headers.</summary>
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, string? body = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>Sends and answers the status and the parsed JSON body (default when there is none).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> JsonAsync(this HttpClient client, HttpMethod method, string path, string? body = null, IDictionary<string, string>? headers = null)
    {
        using var response = await client.SendAsync(method, path, body, headers).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Checks a problem answer: the status, <c>application/problem+json</c>, and the RFC 9457 fields with the code.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int status, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.StartsWith("urn:cloudlog:error:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        var actual = problem.GetProperty("code").GetString();
        Assert.False(string.IsNullOrEmpty(actual));
        if (code is not null)
        {
            Assert.True(code == actual, $"expected {code}, got {actual}: {text}");
        }

        return problem;
    }

    /// <summary>Sends and checks that the answer is the given problem.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpClient client, HttpMethod method, string path, int status, string? code, string? body = null, IDictionary<string, string>? headers = null)
    {
        using var response = await client.SendAsync(method, path, body, headers).ConfigureAwait(false);
        return await AssertProblemAsync(response, status, code).ConfigureAwait(false);
    }

    /// <summary>A body's <c>Content-Type</c> set to <paramref name="mediaType"/>.</summary>
    public static MediaTypeHeaderValue MediaType(string mediaType) => new(mediaType);
}

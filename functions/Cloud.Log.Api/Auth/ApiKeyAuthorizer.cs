using System.Security.Cryptography;
using System.Text;
using Cloud.Log.Api.Http;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// The standalone server's auth: API keys from configuration in the <c>x-api-key</c> header (or
/// <c>x-functions-key</c>, so that a client set up for the function app works here unchanged), each limited
/// to its rights and topic prefixes. With no key configured the server serves loopback callers only,
/// with every right, so a laptop needs no set-up and a misconfigured server exposes nothing.
/// </summary>
public sealed class ApiKeyAuthorizer : IRequestAuthorizer
{
    /// <summary>The header that carries the key.</summary>
    public const string HeaderName = "x-api-key";

    /// <summary>The function app's key header, taken here too.</summary>
    public const string FunctionKeyHeaderName = "x-functions-key";

    private readonly List<(byte[] Hash, ApiCaller Caller)> _keys;

    /// <summary>Checks <paramref name="keys"/>: each needs a key and known rights.</summary>
    public ApiKeyAuthorizer(IEnumerable<ApiKeyOptions> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys.Select(k =>
        {
            if (string.IsNullOrEmpty(k.Key))
            {
                throw new ArgumentException($"API key '{k.Name}' has no key.");
            }

            var rights = k.Rights.Select(r => r.ToUpperInvariant() switch
            {
                "ADMIN" => ApiAccess.Admin,
                "PRODUCE" => ApiAccess.Produce,
                "CONSUME" => ApiAccess.Consume,
                _ => throw new ArgumentException($"API key '{k.Name}': unknown right '{r}' (admin, produce, consume)."),
            }).Append(ApiAccess.Describe).ToHashSet();
            return (Hash(k.Key), new ApiCaller(k.Name, rights, [.. k.TopicPrefixes]));
        }).ToList();
    }

    /// <summary>Whether any key is configured; with none, only loopback callers are served.</summary>
    public bool HasKeys => _keys.Count > 0;

    /// <summary>
    /// The caller of the key named <paramref name="name"/> when <paramref name="key"/> is its secret, else null:
    /// Kafka's SASL PLAIN, whose username is the key's name and password the key.
    /// </summary>
    public ApiCaller? FindKey(string name, string key)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(key);
        var hash = Hash(key);
        ApiCaller? found = null;
        foreach (var (keyHash, caller) in _keys)
        {
            // every key compared, in constant time, so the answer's timing tells nothing
            if (CryptographicOperations.FixedTimeEquals(keyHash, hash) && string.Equals(caller.Name, name, StringComparison.Ordinal))
            {
                found ??= caller;
            }
        }

        return found;
    }

    /// <inheritdoc />
    public (ApiCaller? Caller, ApiProblem? Problem) Authorize(HttpRequest request, ApiAccess access)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (access == ApiAccess.Anonymous)
        {
            return (ApiCaller.Unrestricted("anonymous"), null);
        }

        if (_keys.Count == 0)
        {
            var remote = request.HttpContext.Connection.RemoteIpAddress;
            return remote is null || System.Net.IPAddress.IsLoopback(remote)
                ? (ApiCaller.Unrestricted("loopback"), null)
                : (null, ApiProblem.For(ErrorCode.Forbidden, "No API keys are configured, so this server answers loopback callers only."));
        }

        var presented = request.Headers[HeaderName].ToString() is { Length: > 0 } apiKey ? apiKey : request.Headers[FunctionKeyHeaderName].ToString();
        if (presented.Length == 0)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, $"Send an API key in the '{HeaderName}' header."));
        }

        var hash = Hash(presented);
        var caller = _keys.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(k.Hash, hash)).Caller;
        if (caller is null)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, "The API key is not known."));
        }

        return caller.Has(access)
            ? (caller, null)
            : (null, ApiProblem.For(ErrorCode.Forbidden, $"The key '{caller.Name}' does not have the {access.ToString().ToUpperInvariant()} right."));
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cloud.Log.Server.Testing;

/// <summary>
/// A token issuer on a free loopback port, for tests: an RSA signing key made here, its OpenID metadata at
/// <c>/.well-known/openid-configuration</c> and its JWKS at <c>/keys</c>, as Entra ID serves them. The
/// server under test is configured with <see cref="Authority"/> and fetches the keys as it would from a
/// real authority; <see cref="Issue"/> signs tokens with the key (or with another one, to be refused).
/// </summary>
public sealed class LocalTokenIssuer : IAsyncDisposable
{
    public const string DefaultAudience = "api://cloudlog-tests";

    private const string KeyId = "local-test-key";
    private readonly RSA _key = RSA.Create(2048);
    private readonly JsonWebTokenHandler _handler = new();
    private WebApplication _app = null!;

    private LocalTokenIssuer()
    {
    }

    /// <summary>The authority's address, which is also the tokens' issuer.</summary>
    public string Authority { get; private set; } = null!;

    /// <summary>How many times the metadata and keys were fetched.</summary>
    public int KeyFetches { get; private set; }

    /// <summary>The server settings that make it accept this issuer's tokens.</summary>
    public IDictionary<string, string?> ServerSettings => new Dictionary<string, string?>
    {
        ["CloudLog:Auth:Bearer:Authority"] = Authority,
        ["CloudLog:Auth:Bearer:Audience"] = DefaultAudience,
    };

    public static async Task<LocalTokenIssuer> StartAsync()
    {
        var issuer = new LocalTokenIssuer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        issuer._app = builder.Build();
        issuer._app.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
        {
            issuer.KeyFetches++;
            return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["issuer"] = issuer.Authority,
                ["jwks_uri"] = issuer.Authority + "keys",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }), "application/json");
        });
        issuer._app.MapGet("/keys", () =>
        {
            var parameters = issuer._key.ExportParameters(false);
            return Results.Text(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["keys"] = new[]
                {
                    new Dictionary<string, string>
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["alg"] = "RS256",
                        ["kid"] = KeyId,
                        ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                    },
                },
            }), "application/json");
        });
        await issuer._app.StartAsync().ConfigureAwait(false);
        var address = issuer._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        issuer.Authority = address.TrimEnd('/') + "/";
        return issuer;
    }

    /// <summary>
    /// A signed token for <paramref name="roles"/>, valid for <paramref name="lifetime"/> (negative: expired
    /// that long ago), for <paramref name="audience"/>; <paramref name="foreignKey"/> signs with a key the
    /// authority does not publish.
    /// </summary>
    public string Issue(IEnumerable<string> roles, TimeSpan? lifetime = null, string audience = DefaultAudience, string subject = "test-app", bool foreignKey = false)
    {
        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        using var foreign = foreignKey ? RSA.Create(2048) : null;
        var signingKey = new RsaSecurityKey(foreign?.ExportParameters(true) ?? _key.ExportParameters(true)) { KeyId = KeyId };
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = audience,
            IssuedAt = expires.AddHours(-2),
            NotBefore = expires.AddHours(-2),
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["roles"] = roles.ToArray() },
            SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _key.Dispose();
    }
}

using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// Checks bearer tokens (JWTs) with Microsoft.IdentityModel against the configured authority: its OpenID
/// metadata and signing keys (JWKS) are fetched on first use and cached (refreshed every 12 hours, and at
/// most every 5 minutes when a token names a key not yet known, so rotated keys are picked up). The
/// metadata must be served over https, except from a loopback address (a local issuer, as tests use).
/// </summary>
public sealed class BearerTokenValidator
{
    /// <summary>The claims that name the caller, first found first.</summary>
    private static readonly string[] NameClaims = ["sub", "oid", "azp", "appid"];

    private readonly BearerTokenOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>A validator for <paramref name="options"/>, which must name an authority and an audience.</summary>
    public BearerTokenValidator(BearerTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            throw new ArgumentException("CloudLog:Auth:Bearer needs an Authority (or a MetadataAddress).", nameof(options));
        }

        if (string.IsNullOrEmpty(options.Audience))
        {
            throw new ArgumentException("CloudLog:Auth:Bearer needs an Audience: the app id URI or client id tokens are issued for.", nameof(options));
        }

        var metadata = !string.IsNullOrEmpty(options.MetadataAddress)
            ? options.MetadataAddress
            : options.Authority!.TrimEnd('/') + "/.well-known/openid-configuration";
        if (!Uri.TryCreate(metadata, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException($"CloudLog:Auth:Bearer: '{metadata}' is not an http(s) address.", nameof(options));
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        if (uri.Scheme == "http" && !loopback)
        {
            throw new ArgumentException($"CloudLog:Auth:Bearer: the metadata '{metadata}' must be served over https.", nameof(options));
        }

        _options = options;
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            metadata, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = !loopback });
    }

    /// <summary>The caller a token stands for, with the rights of its app roles, or why it is refused.</summary>
    public async Task<BearerValidation> ValidateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return BearerValidation.Refused("The bearer token is empty.");
        }

        if (!_handler.CanReadToken(token))
        {
            return BearerValidation.Refused("The bearer token is not a JWT.");
        }

        var parameters = new TokenValidationParameters
        {
            ValidAudience = _options.Audience,
            ValidIssuer = string.IsNullOrEmpty(_options.Issuer) ? null : _options.Issuer,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = _options.ClockSkew,
            ConfigurationManager = _configuration,
        };

        TokenValidationResult result;
        try
        {
            if (string.IsNullOrEmpty(_options.Issuer))
            {
                // the metadata's issuer, from the same cached document as the keys
                var configuration = await _configuration.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
                parameters.ValidIssuer = configuration.Issuer;
            }

            result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or SecurityTokenException)
        {
            return BearerValidation.Refused("The token issuer's signing keys cannot be fetched: " + e.GetType().Name + ".");
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return BearerValidation.Refused(Describe(result.Exception));
        }

        var roles = jwt.Claims.Where(c => c.Type is "roles" or "role").Select(c => c.Value);
        var name = NameClaims
            .Select(type => jwt.TryGetPayloadValue<string>(type, out var value) ? value : null)
            .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "token";
        var caller = new ApiCaller("bearer:" + name, AppRoles.Rights(roles), []);
        return new BearerValidation(caller, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), null);
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenInvalidAudienceException => "The token is not issued for this server (audience).",
        SecurityTokenInvalidIssuerException => "The token is not from the configured issuer.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid for the issuer's keys.",
        SecurityTokenMalformedException => "The bearer token is not a well-formed JWT.",
        null => "The bearer token is not valid.",
        _ => "The bearer token is not valid (" + exception.GetType().Name + ").",
    };
}

using Cloud.Log.Api.Http;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// The standalone server's REST auth over <see cref="CloudLogCredentials"/>: a bearer token in
/// <c>Authorization: Bearer</c> when bearer tokens are configured, else an API key as
/// <see cref="ApiKeyAuthorizer"/> checks it. With bearer tokens configured and no API key, a request without
/// a token is refused, loopback or not: loopback callers are trusted only where no credential is configured.
/// </summary>
public sealed class ServerRequestAuthorizer : IRequestAuthorizer
{
    private const string BearerScheme = "Bearer ";
    private readonly CloudLogCredentials _credentials;

    /// <summary>An authorizer over <paramref name="credentials"/>.</summary>
    public ServerRequestAuthorizer(CloudLogCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
    }

    /// <summary>
    /// The API-key check alone, for callers that cannot wait; a bearer token needs
    /// <see cref="AuthorizeAsync"/> (its issuer's keys may have to be fetched), which the API calls.
    /// </summary>
    public (ApiCaller? Caller, ApiProblem? Problem) Authorize(HttpRequest request, ApiAccess access)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (access == ApiAccess.Anonymous)
        {
            return (ApiCaller.Unrestricted("anonymous"), null);
        }

        if (BearerToken(request) is not null)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, "A bearer token is checked asynchronously."));
        }

        return KeyOnly(request, access);
    }

    /// <inheritdoc />
    public async ValueTask<(ApiCaller? Caller, ApiProblem? Problem)> AuthorizeAsync(HttpRequest request, ApiAccess access, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (access == ApiAccess.Anonymous)
        {
            return (ApiCaller.Unrestricted("anonymous"), null);
        }

        if (BearerToken(request) is not { } token)
        {
            return KeyOnly(request, access);
        }

        if (_credentials.Bearer is null)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, $"Bearer tokens are not configured on this server: send an API key in the '{ApiKeyAuthorizer.HeaderName}' header."));
        }

        var validation = await _credentials.Bearer.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (validation.Caller is not { } caller)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, validation.Error ?? "The bearer token is not valid."));
        }

        return caller.Has(access)
            ? (caller, null)
            : (null, ApiProblem.For(ErrorCode.Forbidden, $"The token has no app role for {access.ToString().ToUpperInvariant()} ({AppRoles.Admin}, {AppRoles.Produce}, {AppRoles.Consume})."));
    }

    private (ApiCaller? Caller, ApiProblem? Problem) KeyOnly(HttpRequest request, ApiAccess access)
    {
        if (_credentials.Bearer is not null && !_credentials.Keys.HasKeys)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, "Send a bearer token in the 'Authorization: Bearer' header."));
        }

        return _credentials.Keys.Authorize(request, access);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) ? header[BearerScheme.Length..].Trim() : null;
    }
}

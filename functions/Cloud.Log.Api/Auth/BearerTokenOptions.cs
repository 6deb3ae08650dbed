namespace Cloud.Log.Api.Auth;

/// <summary>
/// Bearer tokens (JWTs) the standalone server accepts, configuration <c>CloudLog:Auth:Bearer</c>: on the REST
/// API in <c>Authorization: Bearer</c> and on the Kafka listener through SASL OAUTHBEARER. A token is valid when
/// it is signed by one of the authority's keys (its OpenID metadata's JWKS, fetched and cached), is issued by
/// <see cref="Issuer"/> (else the metadata's issuer) for <see cref="Audience"/>, and has not expired. Its app
/// roles <c>CloudLog.Admin</c>, <c>CloudLog.Produce</c> and <c>CloudLog.Consume</c> give its rights.
/// </summary>
public sealed class BearerTokenOptions
{
    /// <summary>
    /// The token issuer's base address, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>; its
    /// metadata is at <c>{Authority}/.well-known/openid-configuration</c>. Unset: bearer tokens are off.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The OpenID metadata's address, when it is not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The issuer (<c>iss</c>) tokens must carry. Default: the metadata's <c>issuer</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience (<c>aud</c>) tokens must carry: the server's app id URI or client id. Required with an authority.</summary>
    public string? Audience { get; set; }

    /// <summary>How far clocks may differ when expiry and not-before are checked. Default 1 minute.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether bearer tokens are configured.</summary>
    public bool Enabled => !string.IsNullOrEmpty(Authority) || !string.IsNullOrEmpty(MetadataAddress);
}

using Cloud.Log.Api.Configuration;
using Microsoft.Extensions.Configuration;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// The standalone server's credentials, one model for REST and Kafka: the API keys of
/// <c>CloudLog:Auth:ApiKeys</c> (REST's <c>x-api-key</c>, Kafka's SASL PLAIN) and the bearer tokens of
/// <c>CloudLog:Auth:Bearer</c> (REST's <c>Authorization: Bearer</c>, Kafka's SASL OAUTHBEARER). With neither
/// configured, only loopback callers are served, with every right.
/// </summary>
public sealed class CloudLogCredentials
{
    /// <summary>The configuration section of bearer tokens.</summary>
    public const string BearerSection = CloudLogConfiguration.Section + ":Auth:Bearer";

    /// <summary>Credentials over API keys and, optionally, bearer tokens.</summary>
    public CloudLogCredentials(ApiKeyAuthorizer keys, BearerTokenValidator? bearer)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = keys;
        Bearer = bearer;
    }

    /// <summary>The API keys.</summary>
    public ApiKeyAuthorizer Keys { get; }

    /// <summary>The bearer-token validator, or null when bearer tokens are not configured.</summary>
    public BearerTokenValidator? Bearer { get; }

    /// <summary>Whether any credential is configured; when none is, only loopback callers are served.</summary>
    public bool Configured => Keys.HasKeys || Bearer is not null;

    /// <summary>The credentials configured in <c>CloudLog:Auth</c>.</summary>
    public static CloudLogCredentials Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var bearer = new BearerTokenOptions();
        configuration.GetSection(BearerSection).Bind(bearer);
        return new CloudLogCredentials(
            new ApiKeyAuthorizer(CloudLogConfiguration.ReadApiKeys(configuration)),
            bearer.Enabled ? new BearerTokenValidator(bearer) : null);
    }
}

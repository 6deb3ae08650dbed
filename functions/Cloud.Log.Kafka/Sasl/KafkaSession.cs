using Cloud.Log.Api.Auth;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Sasl;

/// <summary>
/// One Kafka connection's authentication, the same credentials as the REST API's
/// (<see cref="CloudLogCredentials"/>): SASL PLAIN with an API key (username = the key's name, password = the
/// key) or SASL OAUTHBEARER with a bearer token. Where credentials are configured, a connection may send only
/// ApiVersions, SaslHandshake and SaslAuthenticate until it has authenticated; anything else closes it, as a
/// Kafka broker does. Where none is configured, a loopback connection has every right without SASL (the
/// REST API's rule). A failed handshake or authentication is answered with Kafka's error code and then the
/// connection is closed. A token's session ends when the token expires: SaslAuthenticate v1+ tells the
/// client how long it lasts (<c>session_lifetime_ms</c>), and a client may re-authenticate on the same
/// connection before then (KIP-368) with a fresh token of the same principal; a request after expiry
/// without that closes the connection.
/// </summary>
public sealed class KafkaSession
{
    private readonly CloudLogCredentials _credentials;
    private readonly TimeProvider _time;
    private string? _pendingMechanism;

    /// <summary>A session on a new connection; <paramref name="loopback"/> says whether the client is on this machine.</summary>
    public KafkaSession(CloudLogCredentials credentials, bool loopback, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
        if (!credentials.Configured && loopback)
        {
            Caller = ApiCaller.Unrestricted("loopback");
        }
    }

    /// <summary>Who is authenticated on this connection, or null before authentication.</summary>
    public ApiCaller? Caller { get; private set; }

    /// <summary>When the session ends (its token's expiry), or null when it does not (PLAIN, or no SASL).</summary>
    public DateTimeOffset? Expires { get; private set; }

    /// <summary>Whether the connection is to be closed once the response at hand is sent (a failed SASL step).</summary>
    public bool CloseAfterResponse { get; private set; }

    /// <summary>The mechanisms offered: PLAIN where API keys are configured, OAUTHBEARER where bearer tokens are.</summary>
    public IReadOnlyList<string> Mechanisms =>
        [.. _credentials.Keys.HasKeys ? [SaslMechanisms.Plain] : Array.Empty<string>(), .. _credentials.Bearer is not null ? [SaslMechanisms.OAuthBearer] : Array.Empty<string>()];

    /// <summary>
    /// Lets a request through or closes the connection (by throwing <see cref="KafkaProtocolException"/>):
    /// before authentication only ApiVersions and the SASL keys pass, and after a token's expiry only the
    /// SASL keys (to re-authenticate).
    /// </summary>
    internal void Admit(ApiKey key)
    {
        if (key is ApiKey.ApiVersions or ApiKey.SaslHandshake or ApiKey.SaslAuthenticate)
        {
            return;
        }

        if (Caller is null)
        {
            throw new KafkaProtocolException(_credentials.Configured
                ? $"{key} before SASL authentication: this listener requires SASL ({string.Join(" or ", Mechanisms)})."
                : $"{key} from a remote client: with no credentials configured only loopback clients are served.");
        }

        if (Expires is { } expires && _time.GetUtcNow() >= expires)
        {
            throw new KafkaProtocolException($"{key} after the session's token expired at {expires:O}: the client did not re-authenticate.");
        }
    }

    /// <summary>SaslHandshake: the mechanism is accepted when offered, else UNSUPPORTED_SASL_MECHANISM and the offered list.</summary>
    internal bool Handshake(KafkaReader reader, short version, KafkaWriter writer)
    {
        var mechanism = SaslMessages.ReadHandshake(reader);
        var offered = Mechanisms;
        short error;
        if (version < 1)
        {
            error = KafkaError.UnsupportedVersion; // v0's raw tokens are not served
        }
        else if (_pendingMechanism is not null)
        {
            error = KafkaError.IllegalSaslState;
        }
        else if (!offered.Contains(mechanism, StringComparer.Ordinal))
        {
            error = KafkaError.UnsupportedSaslMechanism;
        }
        else
        {
            _pendingMechanism = mechanism;
            error = KafkaError.None;
        }

        CloseAfterResponse = error != KafkaError.None;
        SaslMessages.WriteHandshake(writer, error, offered);
        return true;
    }

    /// <summary>SaslAuthenticate: checks the mechanism's message; SASL_AUTHENTICATION_FAILED when it is refused.</summary>
    internal async Task<bool> AuthenticateAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var message = SaslMessages.ReadAuthenticate(reader, version);
        var mechanism = _pendingMechanism;
        _pendingMechanism = null;
        if (mechanism is null)
        {
            return Fail(KafkaError.IllegalSaslState, "SaslAuthenticate needs a SaslHandshake first.");
        }

        ApiCaller? caller;
        DateTimeOffset? expires = null;
        if (mechanism == SaslMechanisms.Plain)
        {
            caller = SaslMechanisms.ReadPlain(message.Span) is var (username, password) ? _credentials.Keys.FindKey(username, password) : null;
            if (caller is null)
            {
                return Fail(KafkaError.SaslAuthenticationFailed, "Authentication failed: invalid username or password (PLAIN: the API key's name and the key).");
            }
        }
        else
        {
            if (SaslMechanisms.ReadOAuthBearer(message.Span) is not { } token)
            {
                return Fail(KafkaError.SaslAuthenticationFailed, "Authentication failed: not an OAUTHBEARER client message with auth=Bearer <token>.");
            }

            var validation = await _credentials.Bearer!.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
            if (validation.Caller is null)
            {
                return Fail(KafkaError.SaslAuthenticationFailed, "Authentication failed: " + validation.Error);
            }

            caller = validation.Caller;
            expires = validation.Expires;
        }

        if (Caller is { } previous && previous.Name != caller.Name)
        {
            return Fail(KafkaError.SaslAuthenticationFailed, "Re-authentication must keep the connection's principal.");
        }

        Caller = caller;
        Expires = expires;
        var lifetime = expires is { } end ? Math.Max(1, (long)(end - _time.GetUtcNow()).TotalMilliseconds) : 0;
        SaslMessages.WriteAuthenticate(writer, version, KafkaError.None, null, [], lifetime);
        return true;

        bool Fail(short error, string text)
        {
            CloseAfterResponse = true;
            SaslMessages.WriteAuthenticate(writer, version, error, text, [], 0);
            return true;
        }
    }
}

using System.Text;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Server.Testing;

namespace Cloud.Log.Kafka.Tests.Auth;

/// <summary>SaslHandshake and SaslAuthenticate on the wire against a listener with credentials: Kafka's error codes, and what is refused before authentication.</summary>
public sealed class SaslProtocolTests(SecuredKafkaServerFixture server)
{
    private static readonly string[] Offered = ["PLAIN", "OAUTHBEARER"];

    /// <summary>ApiVersions is answered before authentication and lists SaslHandshake (17) and SaslAuthenticate (36); Metadata before authentication closes the connection.</summary>
    [Fact(Timeout = 30_000)]
    public async Task OnlyApiVersionsAndSaslAreServedBeforeAuthentication()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        var versions = await wire.RequestAsync(ApiKey.ApiVersions, 0, _ => { }, cancellationToken: ct);
        Assert.Equal(0, versions.ReadInt16());
        var keys = versions.ReadArray(false, r => (Key: r.ReadInt16(), Min: r.ReadInt16(), Max: r.ReadInt16()));
        Assert.Contains(((short)17, (short)0, (short)1), keys);
        Assert.Contains(((short)36, (short)0, (short)2), keys);

        Assert.True(await wire.IsClosedAfterAsync(ApiKey.Metadata, 1, w => w.WriteInt32(-1), ct));
    }

    /// <summary>An unknown mechanism gets UNSUPPORTED_SASL_MECHANISM (33) with the mechanisms offered, then the connection is closed.</summary>
    [Fact(Timeout = 30_000)]
    public async Task UnknownMechanismGetsUnsupportedSaslMechanismAndTheOfferedList()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        var (error, mechanisms) = await HandshakeAsync(wire, "SCRAM-SHA-256", ct);
        Assert.Equal(33, error);
        Assert.Equal(Offered, mechanisms);
        Assert.True(await wire.IsClosedAsync(ct));
    }

    /// <summary>SaslAuthenticate without a SaslHandshake first gets ILLEGAL_SASL_STATE (34).</summary>
    [Fact(Timeout = 30_000)]
    public async Task AuthenticateWithoutHandshakeIsIllegalSaslState()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        var (error, _, _) = await AuthenticateAsync(wire, 1, Plain("admin", SecuredKafkaServerFixture.AdminKey), ct);
        Assert.Equal(34, error);
        Assert.True(await wire.IsClosedAsync(ct));
    }

    /// <summary>A wrong password, an unknown key name and a malformed PLAIN message get SASL_AUTHENTICATION_FAILED (58), then the connection is closed.</summary>
    [Theory(Timeout = 30_000)]
    [InlineData("admin", "not-the-key")]
    [InlineData("nobody", SecuredKafkaServerFixture.AdminKey)]
    [InlineData("orders", SecuredKafkaServerFixture.AdminKey)]
    [InlineData("", "")]
    public async Task WrongPlainCredentialsGetSaslAuthenticationFailed(string user, string password)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        Assert.Equal(0, (await HandshakeAsync(wire, "PLAIN", ct)).Error);
        var (error, message, _) = await AuthenticateAsync(wire, 1, Plain(user, password), ct);
        Assert.Equal(58, error);
        Assert.Contains("Authentication failed", message, StringComparison.Ordinal);
        Assert.True(await wire.IsClosedAsync(ct));
    }

    /// <summary>A token signed by another key, an expired one, one for another audience and a non-JWT all get SASL_AUTHENTICATION_FAILED (58).</summary>
    [Theory(Timeout = 30_000)]
    [InlineData("foreign-key", "signature")]
    [InlineData("expired", "expired")]
    [InlineData("audience", "audience")]
    [InlineData("garbage", "not a JWT")]
    public async Task BadTokensGetSaslAuthenticationFailed(string kind, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        var roles = new[] { "CloudLog.Admin" };
        var token = kind switch
        {
            "foreign-key" => server.Issuer.Issue(roles, foreignKey: true),
            "expired" => server.Issuer.Issue(roles, lifetime: TimeSpan.FromMinutes(-10)),
            "audience" => server.Issuer.Issue(roles, audience: "api://someone-else"),
            _ => "not-a-token",
        };
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        Assert.Equal(0, (await HandshakeAsync(wire, "OAUTHBEARER", ct)).Error);
        var (error, message, _) = await AuthenticateAsync(wire, 2, OAuthBearer(token), ct);
        Assert.Equal(58, error);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.True(await wire.IsClosedAsync(ct));
    }

    /// <summary>A valid token authenticates (v1 reports the session's lifetime, the token's remaining life), and requests are served after it.</summary>
    [Fact(Timeout = 30_000)]
    public async Task TokenAuthenticatesAndReportsItsSessionLifetime()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        Assert.Equal(0, (await HandshakeAsync(wire, "OAUTHBEARER", ct)).Error);
        var (error, _, lifetime) = await AuthenticateAsync(wire, 1, OAuthBearer(server.Issuer.Issue(["CloudLog.Consume"], TimeSpan.FromMinutes(30))), ct);
        Assert.Equal(0, error);
        Assert.InRange(lifetime, TimeSpan.FromMinutes(28).TotalMilliseconds, TimeSpan.FromMinutes(30).TotalMilliseconds);

        var metadata = await wire.RequestAsync(ApiKey.Metadata, 1, w => w.WriteInt32(-1), cancellationToken: ct);
        Assert.Equal(1, metadata.ReadInt32()); // one broker
    }

    /// <summary>A PLAIN key authenticates with SaslAuthenticate v2 (flexible); a key limited to a prefix sees only its topics in Metadata and gets TOPIC_AUTHORIZATION_FAILED (29) for another it names.</summary>
    [Fact(Timeout = 30_000)]
    public async Task PrefixKeySeesOnlyItsTopicsInMetadata()
    {
        var ct = TestContext.Current.CancellationToken;
        var mine = "orders-" + Guid.NewGuid().ToString("N")[..8];
        var other = "other-" + Guid.NewGuid().ToString("N")[..8];
        await server.CreateTopicAsync(mine, 1, cancellationToken: ct);
        await server.CreateTopicAsync(other, 1, cancellationToken: ct);
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        Assert.Equal(0, (await HandshakeAsync(wire, "PLAIN", ct)).Error);
        Assert.Equal(0, (await AuthenticateAsync(wire, 2, Plain("orders", SecuredKafkaServerFixture.OrdersKey), ct)).Error);

        var all = await MetadataTopicsAsync(wire, null, ct);
        Assert.Contains(((short)0, mine), all);
        Assert.All(all, t => Assert.StartsWith("orders-", t.Name, StringComparison.Ordinal));
        var named = await MetadataTopicsAsync(wire, [mine, other], ct);
        Assert.Equal(new List<(short, string)> { (0, mine), (29, other) }, named);
    }

    /// <summary>
    /// A session ends when its token expires: a request after that closes the connection, so the client reconnects with a fresh token.
    /// The token lasts 15 s (whole seconds in a JWT, so its session a little less), long enough that the request made while it lasts
    /// is answered on a loaded machine too (a 4 s token once expired before it).
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task RequestAfterTheTokenExpiresClosesTheConnection()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        Assert.Equal(0, (await HandshakeAsync(wire, "OAUTHBEARER", ct)).Error);
        var (error, _, lifetime) = await AuthenticateAsync(wire, 1, OAuthBearer(server.Issuer.Issue(["CloudLog.Consume"], TimeSpan.FromSeconds(15))), ct);
        Assert.Equal(0, error);
        Assert.InRange(lifetime, 1, 15_000);
        await wire.RequestAsync(ApiKey.Metadata, 1, w => w.WriteInt32(-1), cancellationToken: ct); // served while the token lasts
        await Task.Delay(TimeSpan.FromMilliseconds(lifetime + 500), ct);
        Assert.True(await wire.IsClosedAfterAsync(ApiKey.Metadata, 1, w => w.WriteInt32(-1), ct));
    }

    /// <summary>Re-authentication on the same connection (KIP-368): a fresh token of the same principal extends the session; another principal's is refused (58).</summary>
    [Fact(Timeout = 30_000)]
    public async Task ReauthenticationKeepsThePrincipal()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var wire = await KafkaWire.ConnectAsync(server.KafkaPort, ct);
        Assert.Equal(0, (await HandshakeAsync(wire, "OAUTHBEARER", ct)).Error);
        Assert.Equal(0, (await AuthenticateAsync(wire, 1, OAuthBearer(server.Issuer.Issue(["CloudLog.Consume"], TimeSpan.FromMinutes(5))), ct)).Error);
        Assert.Equal(0, (await HandshakeAsync(wire, "OAUTHBEARER", ct)).Error);
        var (again, _, lifetime) = await AuthenticateAsync(wire, 1, OAuthBearer(server.Issuer.Issue(["CloudLog.Consume"], TimeSpan.FromMinutes(20))), ct);
        Assert.Equal(0, again);
        Assert.True(lifetime > TimeSpan.FromMinutes(15).TotalMilliseconds);
        Assert.Equal(0, (await HandshakeAsync(wire, "OAUTHBEARER", ct)).Error);
        var (other, message, _) = await AuthenticateAsync(wire, 1, OAuthBearer(server.Issuer.Issue(["CloudLog.Admin"], subject: "someone-else")), ct);
        Assert.Equal(58, other);
        Assert.Contains("principal", message, StringComparison.Ordinal);
    }

    internal static byte[] Plain(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    internal static byte[] OAuthBearer(string token) => Encoding.UTF8.GetBytes($"n,,\u0001auth=Bearer {token}\u0001\u0001");

    private static async Task<(short Error, List<string> Mechanisms)> HandshakeAsync(KafkaWire wire, string mechanism, CancellationToken ct)
    {
        var reader = await wire.RequestAsync(ApiKey.SaslHandshake, 1, w => w.WriteString(mechanism, false), cancellationToken: ct);
        return (reader.ReadInt16(), reader.ReadArray(false, r => r.ReadString(false)));
    }

    private static async Task<(short Error, string? Message, long Lifetime)> AuthenticateAsync(KafkaWire wire, short version, byte[] message, CancellationToken ct)
    {
        var flexible = version >= 2;
        var reader = await wire.RequestAsync(ApiKey.SaslAuthenticate, version, w => { w.WriteBytes(message, flexible); w.WriteEmptyTaggedFieldsIf(flexible); }, flexible, ct);
        var error = reader.ReadInt16();
        var text = reader.ReadNullableString(flexible);
        reader.ReadBytes(flexible);
        return (error, text, version >= 1 ? reader.ReadInt64() : 0);
    }

    /// <summary>Metadata v1: brokers, controller, then topics (error, name, internal, partitions).</summary>
    private static async Task<List<(short Error, string Name)>> MetadataTopicsAsync(KafkaWire wire, string[]? topics, CancellationToken ct)
    {
        var reader = await wire.RequestAsync(ApiKey.Metadata, 1, w =>
        {
            if (topics is null)
            {
                w.WriteInt32(-1);
            }
            else
            {
                w.WriteArray(topics, false, (x, t) => x.WriteString(t, false));
            }
        }, cancellationToken: ct);
        reader.ReadArray(false, r => (r.ReadInt32(), r.ReadString(false), r.ReadInt32(), r.ReadNullableString(false)));
        reader.ReadInt32();
        return reader.ReadArray(false, r =>
        {
            var error = r.ReadInt16();
            var name = r.ReadString(false);
            r.ReadBoolean();
            r.ReadArray(false, p => (p.ReadInt16(), p.ReadInt32(), p.ReadInt32(), p.ReadArray(false, x => x.ReadInt32()), p.ReadArray(false, x => x.ReadInt32())));
            return (error, name);
        });
    }
}

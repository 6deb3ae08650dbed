using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cloud.Log.Kafka.Hosting;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Kafka.Tests.Auth;

/// <summary>
/// Two servers with credentials over one Azurite: API keys and a local token issuer's bearer tokens, one
/// listener on plain TCP (SASL_PLAINTEXT) and one with a self-signed certificate made here (SASL_SSL).
/// Keys: <c>admin</c> (every right), <c>orders</c> (produce and consume on topics under <c>orders-</c>),
/// <c>producer</c> (produce only).
/// </summary>
public sealed class SecuredKafkaServerFixture : IAsyncLifetime
{
    public const string AdminKey = "admin-secret";
    public const string OrdersKey = "orders-secret";
    public const string ProducerKey = "producer-secret";

    private readonly StorageFixture _storage = new();
    private string _directory = null!;

    public LocalTokenIssuer Issuer { get; private set; } = null!;

    public ServerHost Host { get; private set; } = null!;

    public ServerHost TlsHost { get; private set; } = null!;

    public string BootstrapServers { get; private set; } = null!;

    public int KafkaPort { get; private set; }

    public string TlsBootstrapServers { get; private set; } = null!;

    /// <summary>The self-signed certificate's PEM file, for clients to trust.</summary>
    public string CaPemPath { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await _storage.InitializeAsync();
        Issuer = await LocalTokenIssuer.StartAsync();
        _directory = Directory.CreateTempSubdirectory("cloudlog-kafka-tls-").FullName;
        var (pfx, pem) = WriteSelfSignedCertificate(_directory);
        CaPemPath = pem;

        var settings = new Dictionary<string, string?>(Issuer.ServerSettings)
        {
            ["CloudLog:Kafka:Enabled"] = "true",
            ["CloudLog:Kafka:Port"] = "0",
            ["CloudLog:Kafka:RequestReadTimeout"] = "00:00:02",
            ["CloudLog:Auth:ApiKeys:0:Name"] = "admin",
            ["CloudLog:Auth:ApiKeys:0:Key"] = AdminKey,
            ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
            ["CloudLog:Auth:ApiKeys:1:Name"] = "orders",
            ["CloudLog:Auth:ApiKeys:1:Key"] = OrdersKey,
            ["CloudLog:Auth:ApiKeys:1:Rights:0"] = "produce",
            ["CloudLog:Auth:ApiKeys:1:Rights:1"] = "consume",
            ["CloudLog:Auth:ApiKeys:1:TopicPrefixes:0"] = "orders-",
            ["CloudLog:Auth:ApiKeys:2:Name"] = "producer",
            ["CloudLog:Auth:ApiKeys:2:Key"] = ProducerKey,
            ["CloudLog:Auth:ApiKeys:2:Rights:0"] = "produce",
        };
        Host = await ServerHost.StartAsync(_storage, settings);
        KafkaPort = Port(Host);
        BootstrapServers = $"127.0.0.1:{KafkaPort}";

        settings["CloudLog:Kafka:Certificate:Path"] = pfx;
        settings["CloudLog:Kafka:Certificate:Password"] = "test-password";
        TlsHost = await ServerHost.StartAsync(_storage, settings);
        TlsBootstrapServers = $"127.0.0.1:{Port(TlsHost)}";
    }

    /// <summary>A Confluent.Kafka configuration for SASL PLAIN with <paramref name="user"/> and <paramref name="password"/>.</summary>
    public T Plain<T>(T config, string user, string password, bool tls = false)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.BootstrapServers = tls ? TlsBootstrapServers : BootstrapServers;
        config.BrokerAddressFamily = BrokerAddressFamily.V4;
        config.SecurityProtocol = tls ? SecurityProtocol.SaslSsl : SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = SaslMechanism.Plain;
        config.SaslUsername = user;
        config.SaslPassword = password;
        if (tls)
        {
            config.SslCaLocation = CaPemPath;
        }

        return config;
    }

    /// <summary>A Confluent.Kafka configuration for SASL OAUTHBEARER; the token is set by <see cref="UseToken"/>.</summary>
    public T OAuthBearer<T>(T config)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.BootstrapServers = BootstrapServers;
        config.BrokerAddressFamily = BrokerAddressFamily.V4;
        config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = SaslMechanism.OAuthBearer;
        return config;
    }

    /// <summary>
    /// librdkafka's token refresh handler, handing it <paramref name="token"/>. librdkafka is told the token
    /// lasts an hour whatever its claims say, so that an expired token reaches the server, which must refuse it.
    /// </summary>
    public static void UseToken(IClient client, string token) =>
        client.OAuthBearerSetToken(token, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(), "test-app");

    /// <summary>Creates a topic over REST with the admin key, on the plain server or the TLS one (each has its own storage prefix).</summary>
    public async Task CreateTopicAsync(string name, int partitions = 1, bool tls = false, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("api/topics", UriKind.Relative))
        {
            Content = new StringContent($$"""{"name":"{{name}}","partitions":{{partitions}}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", AdminKey);
        using var response = await (tls ? TlsHost : Host).Client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (TlsHost is not null)
        {
            await TlsHost.DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        if (Issuer is not null)
        {
            await Issuer.DisposeAsync();
        }

        await _storage.DisposeAsync();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int Port(ServerHost host) =>
        host.App.Services.GetRequiredService<KafkaListenerEndpoint>().Port ?? throw new InvalidOperationException("The Kafka listener did not bind.");

    /// <summary>A self-signed server certificate for 127.0.0.1 and localhost: a PKCS#12 file for the server, a PEM file for clients.</summary>
    private static (string Pfx, string Pem) WriteSelfSignedCertificate(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        var pfx = Path.Combine(directory, "server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "test-password"));
        var pem = Path.Combine(directory, "ca.pem");
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        return (pfx, pem);
    }
}

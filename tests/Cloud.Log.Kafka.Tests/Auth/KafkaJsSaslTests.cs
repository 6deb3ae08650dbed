using System.Text.Json;

namespace Cloud.Log.Kafka.Tests.Auth;

/// <summary>kafkajs 2.2.4 with SASL PLAIN against a listener with credentials.</summary>
public sealed class KafkaJsSaslTests(SecuredKafkaServerFixture server)
{
    /// <summary>kafkajs authenticates with an API key (username = the key's name, password = the key), creates a topic, produces and consumes with a group.</summary>
    [Fact(Timeout = 90_000)]
    public async Task KafkaJsWithSaslPlainProducesAndConsumesWithAGroup()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = KafkaJsTests.RepositoryRoot();
        var topic = "kjs-sasl-" + Guid.NewGuid().ToString("N")[..10];
        var group = "kjs-" + Guid.NewGuid().ToString("N")[..8];
        var script = Path.Combine(root, "tests", "Cloud.Log.Kafka.Tests", "KafkaJs", "roundtrip.js");
        var (exit, output, error) = await ProcessRunner.RunAsync("node", [script, server.BootstrapServers, topic, group, "admin", SecuredKafkaServerFixture.AdminKey], timeout: TimeSpan.FromSeconds(75), workingDirectory: root, cancellationToken: ct);
        Assert.True(exit == 0, error + output);
        var consumed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.TryGetProperty("consumed", out _))
            .Select(l => l.GetProperty("consumed").GetProperty("key").GetString())
            .Order()
            .ToList();
        Assert.Equal(["key-0", "key-1", "key-2", "key-3"], consumed);
    }

    /// <summary>kafkajs with a wrong password fails to connect: the listener's SASL_AUTHENTICATION_FAILED becomes kafkajs' authentication error, with its message.</summary>
    [Fact(Timeout = 90_000)]
    public async Task KafkaJsWithAWrongPasswordIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = KafkaJsTests.RepositoryRoot();
        var script = Path.Combine(root, "tests", "Cloud.Log.Kafka.Tests", "KafkaJs", "roundtrip.js");
        var (exit, output, error) = await ProcessRunner.RunAsync("node", [script, server.BootstrapServers, "kjs-refused", "g", "admin", "wrong"], timeout: TimeSpan.FromSeconds(75), workingDirectory: root, cancellationToken: ct);
        Assert.NotEqual(0, exit);
        Assert.Contains("KafkaJSSASLAuthenticationError", error, StringComparison.Ordinal);
        Assert.Contains("invalid username or password", error, StringComparison.Ordinal);
    }
}

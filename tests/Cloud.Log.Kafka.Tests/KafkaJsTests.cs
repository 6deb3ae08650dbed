using System.Text.Json;

namespace Cloud.Log.Kafka.Tests;

/// <summary>kafkajs 2.2.4 (npm, pinned in package.json): admin, produce and a consumer group through the listener.</summary>
public sealed class KafkaJsTests(KafkaServerFixture server)
{
    /// <summary>kafkajs creates a topic, produces keyed records with headers, and its group consumer reads them all; its murmur2 partitions match the REST API's.</summary>
    [Fact(Timeout = 90_000)]
    public async Task KafkaJsCreatesProducesAndConsumesWithAGroup()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = RepositoryRoot();
        var topic = KafkaServerFixture.NewTopic("kjs");
        var group = "kjs-" + Guid.NewGuid().ToString("N")[..8];
        var script = Path.Combine(root, "tests", "Cloud.Log.Kafka.Tests", "KafkaJs", "roundtrip.js");
        var (exit, output, error) = await ProcessRunner.RunAsync("node", [script, server.BootstrapServers, topic, group], timeout: TimeSpan.FromSeconds(75), workingDirectory: root, cancellationToken: ct);
        Assert.True(exit == 0, error + output);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(lines[0].GetProperty("admin").GetBoolean());
        var consumed = lines.Where(l => l.TryGetProperty("consumed", out _)).Select(l => l.GetProperty("consumed")).ToList();
        Assert.Equal(["key-0", "key-1", "key-2", "key-3"], consumed.Select(c => c.GetProperty("key").GetString()).Order());
        Assert.All(consumed, c => Assert.Equal(c.GetProperty("key").GetString()!.Replace("key", "value", StringComparison.Ordinal), c.GetProperty("value").GetString()));

        // kafkajs' default partitioner is Java's murmur2: the REST API puts the same keys in the same partitions.
        var records = string.Join(",", consumed.Select(c => $$"""{"key":"{{c.GetProperty("key").GetString()}}","value":"v"}"""));
        using var body = new StringContent($$"""{"records":[{{records}}]}""", System.Text.Encoding.UTF8, "application/json");
        using var produced = await server.Host.Client.PostAsync(new Uri($"api/topics/{topic}/records", UriKind.Relative), body, ct);
        produced.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await produced.Content.ReadAsStringAsync(ct));
        Assert.Equal(
            consumed.Select(c => c.GetProperty("partition").GetInt32()),
            json.RootElement.GetProperty("offsets").EnumerateArray().Select(o => o.GetProperty("partition").GetInt32()));
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "package.json")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (package.json) was not found.");
    }
}

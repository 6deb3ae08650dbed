using Cloud.Log.Kafka.Hosting;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Kafka.Tests;

/// <summary>One standalone server for the assembly, with the Kafka listener on a free loopback port.</summary>
public sealed class KafkaServerFixture : IAsyncLifetime
{
    private readonly StorageFixture _storage = new();

    public ServerHost Host { get; private set; } = null!;

    /// <summary>The assembly's storage (tests that start server processes of their own share it).</summary>
    public StorageFixture Storage => _storage;

    /// <summary>The Kafka listener's bootstrap address, host:port.</summary>
    public string BootstrapServers { get; private set; } = null!;

    public int KafkaPort { get; private set; }

    public async ValueTask InitializeAsync()
    {
        await _storage.InitializeAsync();
        Host = await ServerHost.StartAsync(_storage, new Dictionary<string, string?>
        {
            ["CloudLog:Kafka:Enabled"] = "true",
            ["CloudLog:Kafka:Port"] = "0",
            ["CloudLog:Kafka:RequestReadTimeout"] = "00:00:02",
        });
        KafkaPort = Host.App.Services.GetRequiredService<KafkaListenerEndpoint>().Port
            ?? throw new InvalidOperationException("The Kafka listener did not bind.");
        BootstrapServers = $"127.0.0.1:{KafkaPort}";
    }

    /// <summary>A topic name no other test uses.</summary>
    public static string NewTopic(string purpose) => $"{purpose}-{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 13, 60)];

    /// <summary>Creates a topic over the REST API.</summary>
    public async Task CreateTopicAsync(string name, int partitions = 1, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent($$"""{"name":"{{name}}","partitions":{{partitions}}}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await Host.Client.PostAsync(new Uri("api/topics", UriKind.Relative), content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await _storage.DisposeAsync();
    }
}

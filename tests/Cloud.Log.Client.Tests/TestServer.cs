using Azure.Core.Pipeline;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>
/// A test class's standalone server on Azurite, and clients pointed at it; every client's requests pass
/// through a <see cref="FaultProxy"/>, which counts them and can fail or drop them.
/// </summary>
public abstract class TestServer(StorageFixture storage) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _clients = [];

    protected ServerHost Host { get; private set; } = null!;

    protected Uri Endpoint => Host.Client.BaseAddress!;

    /// <summary>Server settings beyond the defaults.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async ValueTask InitializeAsync() => Host = await ServerHost.StartAsync(storage, Settings);

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Host.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A topic name no other test uses.</summary>
    protected static string NewTopic() => "t-" + Guid.NewGuid().ToString("N")[..12];

    protected static string NewGroup() => "g-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Options whose transport goes through <paramref name="proxy"/> (a fresh one when null) and retries fast.</summary>
    protected static T Through<T>(T options, FaultProxy proxy)
        where T : CloudLogClientOptions
    {
        options.Transport = new HttpClientTransport(new HttpClient(proxy) { Timeout = Timeout.InfiniteTimeSpan });
        options.Retry.Delay = TimeSpan.FromMilliseconds(20);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
        return options;
    }

    protected CloudLogAdminClient Admin(FaultProxy? proxy = null) => new(Endpoint, Through(new CloudLogAdminClientOptions(), proxy ?? new FaultProxy()));

    protected CloudLogProducerClient Producer(CloudLogProducerClientOptions? options = null, FaultProxy? proxy = null) =>
        Track(new CloudLogProducerClient(Endpoint, Through(options ?? new CloudLogProducerClientOptions(), proxy ?? new FaultProxy())));

    protected CloudLogConsumerClient Consumer(CloudLogConsumerClientOptions? options = null, FaultProxy? proxy = null) =>
        Track(new CloudLogConsumerClient(Endpoint, Through(options ?? new CloudLogConsumerClientOptions(), proxy ?? new FaultProxy())));

    protected async Task<string> CreateTopicAsync(int partitions = 1, IReadOnlyDictionary<string, string>? configs = null)
    {
        var name = NewTopic();
        await Admin().CreateTopicAsync(name, partitions, configs: configs);
        return name;
    }

    /// <summary>A partition's records as the JSON fetch of the contract sees them, independent of the client under test.</summary>
    protected async Task<List<(long Offset, string? Key, string? Value)>> StoredAsync(string topic, int partition)
    {
        var records = new List<(long, string?, string?)>();
        long next = 0;
        while (true)
        {
            var text = await Host.Client.GetStringAsync($"/api/topics/{topic}/partitions/{partition}/records?offset={next}&maxRecords=10000");
            using var json = System.Text.Json.JsonDocument.Parse(text);
            foreach (var r in json.RootElement.GetProperty("records").EnumerateArray())
            {
                records.Add((r.GetProperty("offset").GetInt64(), r.GetProperty("key").GetString(), r.GetProperty("value").GetString()));
            }

            var nextOffset = json.RootElement.GetProperty("nextOffset").GetInt64();
            if (nextOffset >= json.RootElement.GetProperty("highWatermark").GetInt64())
            {
                return records;
            }

            next = nextOffset;
        }
    }

    protected static CloudLogMessage Message(string? key, string? value) =>
        new(key is null ? null : BinaryData.FromString(key), value is null ? null : BinaryData.FromString(value));

    private T Track<T>(T client)
        where T : IAsyncDisposable
    {
        _clients.Add(client);
        return client;
    }
}

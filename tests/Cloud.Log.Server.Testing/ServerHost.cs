using Cloud.Log.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Server.Testing;

/// <summary>
/// The standalone server, built as Program builds it, listening on a free loopback port over the shared
/// Azurite with a resource prefix of its own. Tests talk to it over real HTTP.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private ServerHost(WebApplication app, string prefix, string connectionString, Uri address)
    {
        App = app;
        Prefix = prefix;
        ConnectionString = connectionString;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public string Prefix { get; }

    public string ConnectionString { get; }

    public HttpClient Client { get; }

    /// <summary>The produce queue's name for this host (unique, so hosts do not read each other's messages).</summary>
    public string QueueName => Prefix + "-produce";

    public static async Task<ServerHost> StartAsync(StorageFixture storage, IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var connectionString = storage.ConnectionString ?? throw new InvalidOperationException("The server tests need a connection string.");
        var prefix = StorageFixture.NewPrefix();
        var configuration = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["CloudLog:Locations:0:Name"] = "azurite",
            ["CloudLog:Locations:0:ConnectionString"] = connectionString,
            ["CloudLog:Engine:ResourcePrefix"] = prefix,
            ["CloudLog:ProduceQueue:Name"] = prefix + "-produce",
            ["CloudLog:ProduceQueue:PollInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = CloudLogServer.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ServerHost(app, prefix, connectionString, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}

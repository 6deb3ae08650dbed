using Cloud.Log.Testing;

namespace Cloud.Log.Soak;

/// <summary>
/// One storage location of the run: an Azurite with a <see cref="FaultProxy"/> in front of each of its three
/// services. Servers reach it only through the proxies; the final check reads it directly.
/// </summary>
internal sealed class StorageNode : IAsyncDisposable
{
    private StorageNode(string name, AzuriteProcess azurite)
    {
        Name = name;
        Azurite = azurite;
        Blob = FaultProxy.Create(azurite.BlobPort);
        Queue = FaultProxy.Create(azurite.QueuePort);
        Table = FaultProxy.Create(azurite.TablePort);
    }

    public string Name { get; }

    public AzuriteProcess Azurite { get; }

    public FaultProxy Blob { get; }

    public FaultProxy Queue { get; }

    public FaultProxy Table { get; }

    /// <summary>The connection string the servers use: every service through its proxy.</summary>
    public string ProxiedConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{Blob.Port}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{Queue.Port}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{Table.Port}/devstoreaccount1;";

    /// <summary>The connection string straight to Azurite, for the final check.</summary>
    public string DirectConnectionString => Azurite.ConnectionString;

    public static async Task<StorageNode> StartAsync(string name) => new(name, await AzuriteProcess.StartAsync().ConfigureAwait(false));

    /// <summary>Puts all three proxies in <paramref name="mode"/>.</summary>
    public void SetMode(FaultMode mode, TimeSpan? latency = null)
    {
        Blob.SetMode(mode, latency);
        Queue.SetMode(mode, latency);
        Table.SetMode(mode, latency);
    }

    /// <summary>
    /// Kills Azurite with SIGKILL and starts it again on its data folder: what it acknowledged since its last
    /// save (every 5 s) is gone, as storage that fails over to an older copy.
    /// </summary>
    public Task RollBackAsync() => Azurite.RestartAsync();

    public async ValueTask DisposeAsync()
    {
        Blob.Dispose();
        Queue.Dispose();
        Table.Dispose();
        await Azurite.DisposeAsync().ConfigureAwait(false);
    }
}

using Cloud.Log.Core;
using Cloud.Log.Core.Storage;

namespace Cloud.Log.Testing;

/// <summary>
/// Several storage locations for replication tests: one Azurite per replica location, each of which a test
/// may kill, stop, restart or pause, and one more that holds the metadata tables (as a zone-redundant
/// account would in Azure), so losing any replica location leaves the metadata whole.
/// </summary>
public sealed class ReplicatedStorage : IAsyncDisposable
{
    private ReplicatedStorage(AzuriteProcess metadata, IReadOnlyList<AzuriteProcess> replicas)
    {
        Metadata = metadata;
        Replicas = replicas;
    }

    /// <summary>The Azurite that holds the metadata tables.</summary>
    public AzuriteProcess Metadata { get; }

    /// <summary>The replica locations' Azurites, by location number.</summary>
    public IReadOnlyList<AzuriteProcess> Replicas { get; }

    public static async Task<ReplicatedStorage> StartAsync(int locations)
    {
        var started = await Task.WhenAll(Enumerable.Range(0, locations + 1).Select(_ => AzuriteProcess.StartAsync())).ConfigureAwait(false);
        return new ReplicatedStorage(started[0], started[1..]);
    }

    /// <summary>The replica locations as the engine takes them.</summary>
    public IReadOnlyList<StorageLocation> Locations =>
        Replicas.Select((r, i) => StorageLocation.FromConnectionString($"location{i}", r.ConnectionString)).ToList();

    /// <summary>The metadata location.</summary>
    public StorageLocation MetadataLocation => StorageLocation.FromConnectionString("metadata", Metadata.ConnectionString);

    /// <summary>An engine over every location, with these options (a fresh resource prefix unless they name one).</summary>
    public Task<CloudLogEngine> CreateEngineAsync(CloudLogEngineOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ResourcePrefix == "cloudlog")
        {
            options.ResourcePrefix = StorageFixture.NewPrefix();
        }

        return CloudLogEngine.CreateAsync(Locations, options, time, metadataLocation: MetadataLocation);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var azurite in Replicas.Append(Metadata))
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}

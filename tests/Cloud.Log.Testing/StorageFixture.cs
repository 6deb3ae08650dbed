using Azure.Identity;
using Cloud.Log.Core;
using Cloud.Log.Core.Storage;
using Xunit;

namespace Cloud.Log.Testing;

/// <summary>
/// The storage every test of an assembly shares: by default one Azurite started for the assembly, or
/// real storage when the environment says so:
/// <list type="bullet">
/// <item><c>CLOUDLOG_TEST_STORAGE</c>: a connection string;</item>
/// <item><c>CLOUDLOG_TEST_BLOB_URL</c> and <c>CLOUDLOG_TEST_TABLE_URL</c>: account endpoints, reached with
/// <c>DefaultAzureCredential</c>.</item>
/// </list>
/// Tests isolate themselves by a fresh <see cref="CloudLogEngineOptions.ResourcePrefix"/> each
/// (<see cref="NewPrefix"/>), so they can run in parallel against one account. Tests that need several
/// locations, or one they can kill, start their own with <see cref="AzuriteProcess.StartAsync"/>.
/// </summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    /// <summary>The shared location.</summary>
    public StorageLocation Location { get; private set; } = null!;

    /// <summary>A connection string for the shared location, where it has one.</summary>
    public string? ConnectionString { get; private set; }

    /// <summary>A resource prefix no other test uses.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..16];

    public async ValueTask InitializeAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("CLOUDLOG_TEST_STORAGE");
        var blobUrl = Environment.GetEnvironmentVariable("CLOUDLOG_TEST_BLOB_URL");
        var tableUrl = Environment.GetEnvironmentVariable("CLOUDLOG_TEST_TABLE_URL");
        if (!string.IsNullOrEmpty(connectionString))
        {
            ConnectionString = connectionString;
            Location = StorageLocation.FromConnectionString("test", connectionString);
        }
        else if (!string.IsNullOrEmpty(blobUrl) && !string.IsNullOrEmpty(tableUrl))
        {
            Location = StorageLocation.FromAccountUrls("test", new Uri(blobUrl), new Uri(tableUrl), new DefaultAzureCredential());
        }
        else
        {
            _azurite = await AzuriteProcess.StartAsync().ConfigureAwait(false);
            ConnectionString = _azurite.ConnectionString;
            Location = StorageLocation.FromConnectionString("azurite", ConnectionString);
        }
    }

    /// <summary>An engine over the shared location with a fresh prefix unless the options name one.</summary>
    public Task<CloudLogEngine> CreateEngineAsync(CloudLogEngineOptions? options = null, TimeProvider? time = null)
    {
        options ??= new CloudLogEngineOptions();
        if (options.ResourcePrefix == "cloudlog")
        {
            options.ResourcePrefix = NewPrefix();
        }

        return CloudLogEngine.CreateAsync([Location], options, time);
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}

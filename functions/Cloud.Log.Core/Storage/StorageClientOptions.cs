using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Cloud.Log.Core.Storage;

/// <summary>The options of every blob and table client an engine creates: its retries, its request counter, its transport failures.</summary>
internal static class StorageClientOptions
{
    /// <summary>Options for the engine's blob clients, counted by <paramref name="counter"/>.</summary>
    public static BlobClientOptions ForBlobs(StorageRequestCounter counter) => Configure(new BlobClientOptions(), counter, tables: false);

    /// <summary>Options for the engine's table client, counted by <paramref name="counter"/>.</summary>
    public static TableClientOptions ForTables(StorageRequestCounter counter) => Configure(new TableClientOptions(), counter, tables: true);

    private static T Configure<T>(T options, StorageRequestCounter counter, bool tables)
        where T : ClientOptions
    {
        ConfigureRetries(options.Retry);
        options.AddPolicy(counter.CreatePolicy(tables), HttpPipelinePosition.PerRetry);
        options.AddPolicy(TransportFailurePolicy.Shared, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>
    /// The SDK's retries, tightened: a location that does not answer should be noticed in about a second,
    /// so the writer can move on to the other replicas, not after the SDK's default minute.
    /// </summary>
    private static void ConfigureRetries(RetryOptions retry)
    {
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = 3;
        retry.Delay = TimeSpan.FromMilliseconds(100);
        retry.MaxDelay = TimeSpan.FromSeconds(1);
        retry.NetworkTimeout = TimeSpan.FromSeconds(30);
    }
}

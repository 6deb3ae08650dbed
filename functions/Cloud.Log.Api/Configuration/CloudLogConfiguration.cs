using Azure.Core;
using Azure.Identity;
using Azure.Storage.Queues;
using Cloud.Log.Api.Auth;
using Cloud.Log.Core;
using Cloud.Log.Core.Storage;
using Microsoft.Extensions.Configuration;

namespace Cloud.Log.Api.Configuration;

/// <summary>
/// Reads a host's settings from configuration section <c>CloudLog</c>, the same in both hosts
/// (environment variables use <c>__</c> for <c>:</c>, e.g. <c>CloudLog__Locations__0__BlobServiceUri</c>):
/// <code>
/// CloudLog:Locations:{n}:Name                 a name for logs and health (default "location{n}")
/// CloudLog:Locations:{n}:ConnectionString     Azurite, or an account where keys are allowed; or
/// CloudLog:Locations:{n}:BlobServiceUri       with TableServiceUri: an account reached with Azure.Identity
/// CloudLog:Locations:{n}:TableServiceUri
/// CloudLog:Metadata:ConnectionString          where the metadata tables live (default: location 0); or
/// CloudLog:Metadata:TableServiceUri           an account reached with Azure.Identity
/// CloudLog:ProduceQueue:Name                  the produce queue (default cloudlog-produce)
/// CloudLog:ProduceQueue:ConnectionString      or QueueServiceUri; default: location 0's account
/// CloudLog:ProduceQueue:QueueServiceUri
/// CloudLog:Engine:*                           CloudLogEngineOptions (ResourcePrefix, ReplicaLagTimeMax, …)
/// CloudLog:Api:*                              CloudLogApiOptions (MaxRequestBodyBytes, …)
/// CloudLog:Auth:ApiKeys:{n}:Name|Key|Rights|TopicPrefixes   the server's API keys
/// CloudLog:Cors:AllowedOrigins:{n}            browser origins allowed to call the API
/// AZURE_CLIENT_ID                             the user-assigned managed identity, for Azure.Identity
/// </code>
/// </summary>
public static class CloudLogConfiguration
{
    /// <summary>The configuration section.</summary>
    public const string Section = "CloudLog";

    /// <summary>The default produce queue name.</summary>
    public const string DefaultProduceQueue = "cloudlog-produce";

    /// <summary>The storage locations, in order; at least one is required.</summary>
    public static IReadOnlyList<StorageLocation> ReadLocations(IConfiguration configuration, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var locations = new List<StorageLocation>();
        foreach (var (section, index) in configuration.GetSection($"{Section}:Locations").GetChildren().OrderBy(c => int.TryParse(c.Key, out var n) ? n : int.MaxValue).Select((s, i) => (s, i)))
        {
            var name = section["Name"] is { Length: > 0 } n ? n : $"location{index}";
            if (section["ConnectionString"] is { Length: > 0 } connectionString)
            {
                locations.Add(StorageLocation.FromConnectionString(name, connectionString));
            }
            else if (section["BlobServiceUri"] is { Length: > 0 } blob && section["TableServiceUri"] is { Length: > 0 } table)
            {
                locations.Add(StorageLocation.FromAccountUrls(name, new Uri(blob), new Uri(table), credential ?? new DefaultAzureCredential()));
            }
            else
            {
                throw new InvalidOperationException($"{Section}:Locations:{section.Key} needs a ConnectionString, or a BlobServiceUri and a TableServiceUri.");
            }
        }

        return locations.Count > 0
            ? locations
            : throw new InvalidOperationException($"No storage location is configured: set {Section}:Locations:0:ConnectionString (Azurite) or its BlobServiceUri and TableServiceUri.");
    }

    /// <summary>
    /// The location of the metadata tables, when configured apart from the replica locations (an account
    /// of its own, zone-redundant ideally, so losing a replica location leaves the metadata whole); null
    /// means location 0.
    /// </summary>
    public static StorageLocation? ReadMetadataLocation(IConfiguration configuration, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection($"{Section}:Metadata");
        if (section["ConnectionString"] is { Length: > 0 } connectionString)
        {
            return StorageLocation.FromConnectionString("metadata", connectionString);
        }

        return section["TableServiceUri"] is { Length: > 0 } table
            ? StorageLocation.FromTableUrl("metadata", new Uri(table), credential ?? new DefaultAzureCredential())
            : null;
    }

    /// <summary>The engine's options from <c>CloudLog:Engine</c>, range-checked as they are bound.</summary>
    public static CloudLogEngineOptions ReadEngineOptions(IConfiguration configuration)
    {
        var options = new CloudLogEngineOptions();
        configuration.GetSection($"{Section}:Engine").Bind(options);
        return options;
    }

    /// <summary>The API's options from <c>CloudLog:Api</c>.</summary>
    public static CloudLogApiOptions ReadApiOptions(IConfiguration configuration)
    {
        var options = new CloudLogApiOptions();
        configuration.GetSection($"{Section}:Api").Bind(options);
        return options;
    }

    /// <summary>The standalone server's API keys; none means loopback only.</summary>
    public static IReadOnlyList<ApiKeyOptions> ReadApiKeys(IConfiguration configuration) =>
        configuration.GetSection($"{Section}:Auth:ApiKeys").GetChildren().Select(section =>
        {
            var key = new ApiKeyOptions();
            section.Bind(key);
            return key;
        }).ToList();

    /// <summary>Browser origins allowed to call the API (CORS).</summary>
    public static IReadOnlyList<string> ReadCorsOrigins(IConfiguration configuration) =>
        configuration.GetSection($"{Section}:Cors:AllowedOrigins").GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0).ToList();

    /// <summary>
    /// The produce queue's name: <c>CloudLog:ProduceQueue:Name</c>, else <c>CLOUDLOG_PRODUCE_QUEUE</c> (the
    /// setting the function app's queue trigger names), else <see cref="DefaultProduceQueue"/>.
    /// </summary>
    public static string ReadProduceQueueName(IConfiguration configuration) =>
        configuration[$"{Section}:ProduceQueue:Name"] is { Length: > 0 } name ? name
        : configuration["CLOUDLOG_PRODUCE_QUEUE"] is { Length: > 0 } setting ? setting
        : DefaultProduceQueue;

    /// <summary>
    /// The queue service that holds the produce queue and its poison queue: its own connection string or
    /// URI, else location 0's connection string.
    /// </summary>
    public static QueueServiceClient ReadQueueService(IConfiguration configuration, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        if (configuration[$"{Section}:ProduceQueue:ConnectionString"] is { Length: > 0 } connectionString)
        {
            return new QueueServiceClient(connectionString, options);
        }

        if (configuration[$"{Section}:ProduceQueue:QueueServiceUri"] is { Length: > 0 } uri)
        {
            return new QueueServiceClient(new Uri(uri), credential ?? new DefaultAzureCredential(), options);
        }

        if (configuration[$"{Section}:Locations:0:ConnectionString"] is { Length: > 0 } first)
        {
            return new QueueServiceClient(first, options);
        }

        throw new InvalidOperationException($"Set {Section}:ProduceQueue:QueueServiceUri (or a ConnectionString) for the produce queue.");
    }
}

using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Cloud.Log.Core.Storage;

/// <summary>
/// One storage location that holds replicas: in Azure a storage account reached by its URLs and an
/// Azure.Identity credential; locally an Azurite reached by a connection string. The first location
/// configured also holds the metadata tables.
/// </summary>
public sealed class StorageLocation
{
    private StorageLocation(string name, Func<BlobClientOptions, BlobServiceClient> blobs, Func<TableClientOptions, TableServiceClient> tables)
    {
        Name = name;
        CreateBlobServiceClient = blobs;
        CreateTableServiceClient = tables;
    }

    /// <summary>The location's name, used in logs and in the health report.</summary>
    public string Name { get; }

    internal Func<BlobClientOptions, BlobServiceClient> CreateBlobServiceClient { get; }

    internal Func<TableClientOptions, TableServiceClient> CreateTableServiceClient { get; }

    /// <summary>A location reached by a connection string (Azurite, or an account where keys are allowed).</summary>
    public static StorageLocation FromConnectionString(string name, string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        return new StorageLocation(
            name,
            options => new BlobServiceClient(connectionString, options),
            options => new TableServiceClient(connectionString, options));
    }

    /// <summary>
    /// An account used for Table storage only (the metadata location), reached by its table endpoint with a
    /// token credential.
    /// </summary>
    public static StorageLocation FromTableUrl(string name, Uri tableEndpoint, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(tableEndpoint);
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageLocation(
            name,
            _ => throw new InvalidOperationException($"Location '{name}' holds tables only."),
            options => new TableServiceClient(tableEndpoint, credential, options));
    }

    /// <summary>
    /// A storage account reached by its blob and table endpoints with a token credential (managed identity
    /// in Azure, <c>DefaultAzureCredential</c> elsewhere). No account key is involved.
    /// </summary>
    public static StorageLocation FromAccountUrls(string name, Uri blobEndpoint, Uri tableEndpoint, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(blobEndpoint);
        ArgumentNullException.ThrowIfNull(tableEndpoint);
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageLocation(
            name,
            options => new BlobServiceClient(blobEndpoint, credential, options),
            options => new TableServiceClient(tableEndpoint, credential, options));
    }
}

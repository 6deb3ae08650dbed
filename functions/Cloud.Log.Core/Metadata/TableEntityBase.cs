using Azure;
using Azure.Data.Tables;

namespace Cloud.Log.Core.Metadata;

/// <summary>The four properties every table row has.</summary>
internal abstract class TableEntityBase : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }
}

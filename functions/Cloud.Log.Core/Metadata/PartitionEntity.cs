namespace Cloud.Log.Core.Metadata;

/// <summary>A partition: partition key = topic id, row key = partition number (5 digits).</summary>
internal sealed class PartitionEntity : TableEntityBase
{
    /// <summary>Replica locations, comma-separated location indexes; the first is the preferred leader.</summary>
    public string Replicas { get; set; } = "0";

    /// <summary>In-sync replicas, comma-separated location indexes.</summary>
    public string Isr { get; set; } = "0";

    /// <summary>The location index of the leader replica.</summary>
    public int Leader { get; set; }

    /// <summary>The first offset still in the log (moved by retention).</summary>
    public long LogStartOffset { get; set; }

    public static string RowKeyFor(int partition) => partition.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
}

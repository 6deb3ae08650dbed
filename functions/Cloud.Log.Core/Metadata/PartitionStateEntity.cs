using System.Globalization;
using System.Runtime.Serialization;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// Everything about one partition that its leader changes, in one row (partition key = topic id, row key =
/// partition, 5 digits): the replica set, the leader replica and the in-sync replicas, the log start, the
/// lease (holder, epoch, expiry), the producer-state checkpoint, and whether the last holder let go
/// cleanly. The partition's segment and producer rows share the partition key, so the holder writes them
/// in one transaction with this row under its ETag: a writer that lost the lease cannot change any of it.
/// </summary>
internal sealed class PartitionStateEntity : TableEntityBase
{
    /// <summary>The <see cref="Kind"/> of partition-state rows (segment and producer rows share the table).</summary>
    public const string StateKind = "state";

    public string Kind { get; set; } = StateKind;

    /// <summary>Replica locations, comma-separated location numbers; the first is the preferred leader.</summary>
    public string Replicas { get; set; } = "0";

    /// <summary>In-sync replicas: those that hold every committed record.</summary>
    public string Isr { get; set; } = "0";

    /// <summary>The location whose copy takes the writes last and serves the reads.</summary>
    public int Leader { get; set; }

    /// <summary>The first offset still in the log (moved by retention).</summary>
    public long LogStartOffset { get; set; }

    /// <summary>The lease holder's instance id; empty when released.</summary>
    public string Owner { get; set; } = "";

    /// <summary>The leader epoch: grows with each lease claim and each change of leader replica.</summary>
    public int Epoch { get; set; }

    /// <summary>Lease expiry in milliseconds since the Unix epoch.</summary>
    public long ExpiresAt { get; set; }

    /// <summary>An instance that waits for the lease; the holder hands over after its current append.</summary>
    public string HandoffRequestedBy { get; set; } = "";

    /// <summary>
    /// The log offset up to which the partition's producer rows are complete; a new leader reads the log
    /// from here to rebuild what came after. -1 when none was written yet.
    /// </summary>
    public long ProducerCheckpoint { get; set; } = -1;

    /// <summary>
    /// Set by a holder that let go cleanly (its last append completed on every in-sync replica): the active
    /// segment's row key and byte length then. The next holder continues that segment without sealing it.
    /// Empty when the last holder did not let go cleanly (it crashed, or its lease ran out).
    /// </summary>
    public string CleanSegment { get; set; } = "";

    public long CleanPosition { get; set; } = -1;

    /// <summary>The replica locations, as <see cref="Replicas"/> stores them (a comma-separated list).</summary>
    [IgnoreDataMember]
    public IReadOnlyList<int> ReplicaList
    {
        get => ParseList(Replicas);
        set => Replicas = FormatList(value);
    }

    /// <summary>The in-sync replica locations, as <see cref="Isr"/> stores them (a comma-separated list).</summary>
    [IgnoreDataMember]
    public IReadOnlyList<int> IsrList
    {
        get => ParseList(Isr);
        set => Isr = FormatList(value);
    }

    /// <summary>The partition this row is the state of, as its row key (<see cref="RowKeyFor"/>) spells it.</summary>
    [IgnoreDataMember]
    public int Partition => int.Parse(RowKey, CultureInfo.InvariantCulture);

    public static string RowKeyFor(int partition) => partition.ToString("D5", CultureInfo.InvariantCulture);

    public static string FormatList(IEnumerable<int> locations) => string.Join(',', locations);

    public PartitionStateEntity Copy() => (PartitionStateEntity)MemberwiseClone();

    private static int[] ParseList(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}

using System.Globalization;
using System.Runtime.Serialization;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// Everything about one partition that its writers change, in one row (partition key = topic id, row key =
/// partition, 5 digits): the replica set, the leader replica and the in-sync replicas, the log start, the
/// leader epoch, and the producer-state checkpoint. The partition's segment and producer rows share the
/// partition key, so a change goes in one transaction with this row under the ETag its writer read
/// (<see cref="PartitionStateStore"/>): a change made from a stale view does not land.
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

    /// <summary>The leader epoch: grows with every roll (a new segment, a change of leader or sequencer, a rejoin).</summary>
    public int Epoch { get; set; }

    /// <summary>
    /// The log offset up to which the partition's producer rows are complete; a new leader reads the log
    /// from here to rebuild what came after. -1 when none was written yet.
    /// </summary>
    public long ProducerCheckpoint { get; set; } = -1;

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

    /// <summary>Reads a list of locations as <see cref="FormatList"/> writes it (also a segment row's replicas).</summary>
    public static int[] ParseList(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A partition's leadership lease: partition key = topic id, row key = partition (5 digits). Claimed and
/// renewed with the row's ETag; the epoch grows with each new holder. Idempotent producers' rows
/// (<see cref="ProducerEntity"/>) share the partition key, so the leader writes them in one transaction
/// with this row.
/// </summary>
internal sealed class LeaseEntity : TableEntityBase
{
    /// <summary>The holder's instance id; empty when released.</summary>
    public string Owner { get; set; } = "";

    public int Epoch { get; set; }

    /// <summary>Expiry in milliseconds since the Unix epoch.</summary>
    public long ExpiresAt { get; set; }

    /// <summary>An instance that waits for the lease; the holder hands over at its next renewal.</summary>
    public string HandoffRequestedBy { get; set; } = "";

    /// <summary>
    /// The log offset up to which the partition's producer rows are complete; a new leader reads the log
    /// from here to rebuild what came after. -1 when none was written yet.
    /// </summary>
    public long ProducerCheckpoint { get; set; } = -1;
}

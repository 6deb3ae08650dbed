using Cloud.Log.Core.Metadata;

namespace Cloud.Log.Core.Leases;

/// <summary>
/// A partition lease this instance holds: the partition's state row as this instance last wrote it (its
/// ETag proves the lease on every write), and the lease's timing.
/// </summary>
/// <param name="State">The state row as last written, with its ETag.</param>
/// <param name="ExpiresAt">When the lease runs out, measured from before the claim or renewal was sent.</param>
/// <param name="RenewedAt">When it was claimed or last renewed.</param>
/// <param name="HandoffTo">The instance that asked for the lease, if any: hand it over after the current append.</param>
internal sealed record PartitionLease(PartitionStateEntity State, DateTimeOffset ExpiresAt, DateTimeOffset RenewedAt, string? HandoffTo)
{
    /// <summary>The leader epoch this holder stamps on every batch.</summary>
    public int Epoch => State.Epoch;

    /// <summary>The offset up to which the persisted producer rows are complete (-1: none).</summary>
    public long ProducerCheckpoint => State.ProducerCheckpoint;

    /// <summary>
    /// Where the previous holder let go cleanly, found when this lease was claimed: the active segment's row
    /// key and byte length then. Null when it did not (or this lease came from a renewal chain of our own).
    /// </summary>
    public (string Segment, long Position)? CleanStart { get; init; }
}

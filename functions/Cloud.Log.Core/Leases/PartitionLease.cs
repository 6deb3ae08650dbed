using Azure;

namespace Cloud.Log.Core.Leases;

/// <summary>A partition lease this instance holds: its epoch, the row's ETag and when it runs out.</summary>
/// <param name="Epoch">The leader epoch the holder stamps on every batch.</param>
/// <param name="ETag">The lease row's ETag after the last claim or renewal.</param>
/// <param name="ExpiresAt">When the lease runs out, measured from before the claim was sent.</param>
/// <param name="RenewedAt">When it was claimed or last renewed.</param>
/// <param name="HandoffTo">The instance that asked for the lease, if any: hand it over after the current append.</param>
/// <param name="ProducerCheckpoint">The offset up to which the persisted producer rows are complete (-1: none).</param>
internal sealed record PartitionLease(int Epoch, ETag ETag, DateTimeOffset ExpiresAt, DateTimeOffset RenewedAt, string? HandoffTo, long ProducerCheckpoint);

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A partition's leadership lease: partition key = topic id, row key = partition (5 digits). Claimed and
/// renewed with the row's ETag; the epoch grows with each new holder.
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
}

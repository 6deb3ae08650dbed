namespace Cloud.Log.Core.Groups;

/// <summary>
/// A group coordinator's state as stored: an opaque document (its owner, the Kafka listener's classic group
/// coordinator, gives it its meaning) and the version it was read at, which a conditional write must name.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="Data">The stored document.</param>
/// <param name="Version">The row's ETag: a write naming it succeeds only if nobody wrote the row since.</param>
public sealed record GroupCoordinatorState(string Group, ReadOnlyMemory<byte> Data, string Version);

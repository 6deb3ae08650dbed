namespace Cloud.Log.Core;

/// <summary>An answer of list offsets: the offset found (null when none) and, for a timestamp lookup, that record's timestamp.</summary>
/// <param name="Offset">The offset, or null when no record qualifies.</param>
/// <param name="Timestamp">The record's timestamp for a timestamp lookup; null for earliest and latest.</param>
public sealed record OffsetLookup(long? Offset, long? Timestamp);

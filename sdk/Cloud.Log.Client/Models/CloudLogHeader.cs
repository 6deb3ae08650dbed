namespace Cloud.Log.Client;

/// <summary>One header of a record: a name and a value of bytes, which may be null (as in Kafka). Names may repeat.</summary>
/// <param name="Key">The header's name.</param>
/// <param name="Value">The header's bytes, or null.</param>
public sealed record CloudLogHeader(string Key, BinaryData? Value);

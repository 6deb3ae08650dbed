namespace Cloud.Log.Core.Log;

/// <summary>
/// What the local leader publishes for readers on this instance: the log end, trustworthy until
/// <paramref name="TrustedUntil"/> because no other instance can append while the lease holds.
/// </summary>
internal sealed record LeaderView(long LogEnd, DateTimeOffset TrustedUntil);

namespace Cloud.Log.Core.Log;

/// <summary>The partition's replica set as a reader last saw it in its state row.</summary>
/// <param name="Leader">The location whose copy serves reads.</param>
/// <param name="Isr">The in-sync replicas.</param>
/// <param name="Replicas">Every replica location.</param>
/// <param name="LogStartOffset">The first offset still in the log.</param>
/// <param name="LoadedAt">When it was read (the engine's clock: metadata cache lifetimes).</param>
/// <param name="ReadStartedAt">
/// When the read (or the write) that produced it started, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp:
/// real time, since <see cref="CloudLogEngineOptions.ReaderViewLease"/> orders it against other instances' rolls.
/// </param>
/// <param name="StateETag">
/// The state row's ETag as that read (or write) found it: the row held it when the read answered, so a later read
/// that finds the same ETag proves nothing changed the row in between (ETags are never reused).
/// </param>
internal sealed record ReplicaView(int Leader, IReadOnlyList<int> Isr, IReadOnlyList<int> Replicas, long LogStartOffset, DateTimeOffset LoadedAt, long ReadStartedAt, Azure.ETag StateETag);

namespace Cloud.Log.Client.Pipeline;

/// <summary>A binary fetch's answer: whole batches back to back, and the partition's offsets.</summary>
internal readonly record struct FetchedBatches(ReadOnlyMemory<byte> Batches, long NextOffset, long HighWatermark, long LogStartOffset);

using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core;

/// <summary>What a fetch answers: records in offset order, never past the high watermark.</summary>
/// <param name="Records">The records read; empty when none were available in time.</param>
/// <param name="NextOffset">The offset to fetch next.</param>
/// <param name="HighWatermark">The offset after the last record a consumer can read.</param>
/// <param name="LogStartOffset">The first offset still in the log.</param>
public sealed record FetchResult(IReadOnlyList<ConsumerRecord> Records, long NextOffset, long HighWatermark, long LogStartOffset);

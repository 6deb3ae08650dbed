namespace Cloud.Log.Core;

/// <summary>
/// What a binary fetch answers: whole record batches as stored, in offset order. The first may start before
/// the offset asked for (a batch is not split); none reaches past the high watermark.
/// </summary>
/// <param name="Batches">The batches' bytes.</param>
/// <param name="NextOffset">The offset to fetch next.</param>
/// <param name="HighWatermark">The offset after the last record a consumer can read.</param>
/// <param name="LogStartOffset">The first offset still in the log.</param>
public sealed record FetchedBatches(IReadOnlyList<ReadOnlyMemory<byte>> Batches, long NextOffset, long HighWatermark, long LogStartOffset);

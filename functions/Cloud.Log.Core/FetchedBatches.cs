namespace Cloud.Log.Core;

/// <summary>
/// What a binary fetch answers: whole record batches as stored, in offset order. The first may start before
/// the offset asked for (a batch is not split); none reaches past the high watermark.
/// </summary>
/// <param name="Batches">The batches' bytes.</param>
/// <param name="NextOffset">The offset to fetch next.</param>
/// <param name="HighWatermark">The offset after the last record a consumer can read.</param>
/// <param name="LogStartOffset">The first offset still in the log.</param>
public sealed record FetchedBatches(IReadOnlyList<ReadOnlyMemory<byte>> Batches, long NextOffset, long HighWatermark, long LogStartOffset)
{
    /// <summary>The pooled buffers the batches read from storage lie in, if any.</summary>
    internal Log.FetchBuffers? Buffers { get; init; }

    /// <summary>
    /// Gives the buffers the batches were read into back to the engine's read pool, once their bytes were copied
    /// out (into a response): nothing may read <see cref="Batches"/> afterwards. Optional: buffers never given
    /// back are left to the garbage collector. A second call does nothing.
    /// </summary>
    public void ReturnBuffers() => Buffers?.Return();
}

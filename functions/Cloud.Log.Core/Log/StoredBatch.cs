using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>A whole record batch as it lies in a segment: its header and its bytes.</summary>
/// <param name="Header">The parsed batch header.</param>
/// <param name="Bytes">The batch, exactly <see cref="RecordBatchHeader.TotalSize"/> bytes.</param>
internal sealed record StoredBatch(RecordBatchHeader Header, ReadOnlyMemory<byte> Bytes)
{
    public long BaseOffset => Header.BaseOffset;

    public long NextOffset => Header.NextOffset;

    /// <summary>The segment blob it was read from, when it was read from storage (not the writer's cache).</summary>
    public string? Blob { get; init; }

    /// <summary>Its byte position in <see cref="Blob"/>.</summary>
    public long Position { get; init; }
}

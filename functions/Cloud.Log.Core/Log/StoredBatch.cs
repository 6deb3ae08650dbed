using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>A whole record batch as it lies in a segment: its header and its bytes.</summary>
/// <param name="Header">The parsed batch header.</param>
/// <param name="Bytes">The batch, exactly <see cref="RecordBatchHeader.TotalSize"/> bytes.</param>
internal sealed record StoredBatch(RecordBatchHeader Header, ReadOnlyMemory<byte> Bytes)
{
    public long BaseOffset => Header.BaseOffset;

    public long NextOffset => Header.NextOffset;
}

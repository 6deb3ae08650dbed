namespace Cloud.Log.Core.Log;

/// <summary>
/// One copy's tail, read from its last index entry (<see cref="StartPosition"/>, <see cref="StartOffset"/>)
/// to its end or to a given length: the whole batches there and what follows from them.
/// </summary>
/// <param name="StartPosition">Where the read began: an index entry's byte position.</param>
/// <param name="StartOffset">The offset of the first batch there.</param>
/// <param name="Position">The copy's length as read: where the next append goes.</param>
/// <param name="NextOffset">The offset after the last batch read.</param>
/// <param name="BlockCount">The copy's committed block count.</param>
/// <param name="MaxTimestamp">The largest timestamp in the segment up to <see cref="Position"/>.</param>
/// <param name="IndexEntries">How many entries the copy's index holds.</param>
/// <param name="Bytes">The bytes read.</param>
/// <param name="Batches">The batches in <see cref="Bytes"/>.</param>
/// <param name="Sealed">Whether the copy refuses appends.</param>
internal sealed record SegmentTail(
    long StartPosition,
    long StartOffset,
    long Position,
    long NextOffset,
    int BlockCount,
    long MaxTimestamp,
    int IndexEntries,
    ReadOnlyMemory<byte> Bytes,
    IReadOnlyList<StoredBatch> Batches,
    bool Sealed);

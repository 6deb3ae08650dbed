namespace Cloud.Log.Protocol.Wire;

/// <summary>One partition's part of a binary multi-partition fetch answer (see <see cref="FetchFrames"/>).</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Status">200, or the HTTP status of the partition's error.</param>
/// <param name="Code">The partition's error code (the contract's name, e.g. <c>OFFSET_OUT_OF_RANGE</c>), or null.</param>
/// <param name="Detail">The error's detail, or null.</param>
/// <param name="NextOffset">The offset to fetch next; the offset asked for when nothing was read.</param>
/// <param name="HighWatermark">The partition's high watermark; -1 when not known in this answer.</param>
/// <param name="LogStartOffset">The partition's log start; -1 when not known in this answer.</param>
/// <param name="Batches">Whole record batches back to back, as stored; empty on an error.</param>
public readonly record struct FetchFrame(string Topic, int Partition, int Status, string? Code, string? Detail, long NextOffset, long HighWatermark, long LogStartOffset, ReadOnlyMemory<byte> Batches);

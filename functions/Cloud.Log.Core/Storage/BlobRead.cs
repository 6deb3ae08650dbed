namespace Cloud.Log.Core.Storage;

/// <summary>What one range read of a segment blob returned, with the blob's state at that moment.</summary>
/// <param name="Data">The bytes read.</param>
/// <param name="BlobLength">The blob's whole length.</param>
/// <param name="IsSealed">Whether the blob refuses appends.</param>
/// <param name="CommittedBlockCount">How many blocks the blob holds.</param>
/// <param name="Pooled">The read pool's buffer <paramref name="Data"/> lies in, when the read was a pooled one.</param>
internal readonly record struct BlobRead(ReadOnlyMemory<byte> Data, long BlobLength, bool IsSealed, int CommittedBlockCount, byte[]? Pooled = null);

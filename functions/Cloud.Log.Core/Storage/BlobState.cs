namespace Cloud.Log.Core.Storage;

/// <summary>A blob's state as one response told it: its whole length and whether it refuses appends.</summary>
/// <param name="Length">The blob's whole length in bytes.</param>
/// <param name="IsSealed">Whether the blob refuses appends.</param>
internal readonly record struct BlobState(long Length, bool IsSealed);

namespace Cloud.Log.Client;

/// <summary>A partition's bounds: the first offset still in the log and the high watermark (the next offset to be written).</summary>
/// <param name="Low">The log start offset.</param>
/// <param name="High">The high watermark.</param>
public readonly record struct WatermarkOffsets(Offset Low, Offset High);

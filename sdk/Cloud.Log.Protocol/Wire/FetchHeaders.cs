namespace Cloud.Log.Protocol.Wire;

/// <summary>The headers that carry a binary fetch's offsets (a JSON fetch carries them in its body).</summary>
public static class FetchHeaders
{
    /// <summary>The offset to fetch next.</summary>
    public const string NextOffset = "CloudLog-Next-Offset";

    /// <summary>The partition's high watermark.</summary>
    public const string HighWatermark = "CloudLog-High-Watermark";

    /// <summary>The partition's log start offset.</summary>
    public const string LogStartOffset = "CloudLog-Log-Start-Offset";
}

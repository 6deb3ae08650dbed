namespace Cloud.Log.Protocol.Wire;

/// <summary>The media types of the contract's encodings.</summary>
public static class MediaTypes
{
    /// <summary>JSON, the default for every endpoint.</summary>
    public const string Json = "application/json";

    /// <summary>
    /// Record batches as bytes (Kafka's record batch v2, see docs/format.md): a produce body of
    /// <see cref="BatchFrames"/> when sent as <c>Content-Type</c>, a fetch answer of whole batches back to back
    /// when asked for with <c>Accept</c>. The SDK's encoding: no JSON, no base64.
    /// </summary>
    public const string RecordBatches = "application/vnd.cloudlog.record-batches";

    /// <summary>Problem details (RFC 9457), the body of every error.</summary>
    public const string Problem = "application/problem+json";
}

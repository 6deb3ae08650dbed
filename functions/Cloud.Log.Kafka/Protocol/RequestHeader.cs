namespace Cloud.Log.Kafka.Protocol;

/// <summary>
/// A request header. v0: api_key int16, api_version int16, correlation_id int32; v1 adds client_id
/// (a classic nullable string even in v2); v2 adds a tagged-field section. A flexible request version
/// uses v2, every other v1.
/// </summary>
internal sealed record RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Reads the header; the reader is left at the body.</summary>
    public static RequestHeader Read(KafkaReader reader)
    {
        var key = reader.ReadInt16();
        var version = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadNullableString(flexible: false);
        if (ApiVersionTable.HasFlexibleHeader(key, version))
        {
            reader.SkipTaggedFields();
        }

        return new RequestHeader(key, version, correlationId, clientId);
    }
}

using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>
/// ApiVersions (key 18). Request v3+: client_software_name, client_software_version (compact strings),
/// tagged fields; v0-2 have no body. Response: error_code int16, api_keys [api_key int16, min_version int16,
/// max_version int16], throttle_time_ms int32 (v1+), tagged fields (v3+). The response header is always
/// v0, even for the flexible versions, so a client that sent a version too new can read the answer.
/// </summary>
internal static class ApiVersionsMessages
{
    public static void ReadRequest(KafkaReader reader, short version)
    {
        if (version >= 3)
        {
            reader.ReadString(flexible: true);
            reader.ReadString(flexible: true);
            reader.SkipTaggedFields();
        }
    }

    /// <summary>The answer: the listener's keys with minimum 0, or UNSUPPORTED_VERSION in v0's layout.</summary>
    public static void WriteResponse(KafkaWriter writer, short version, short errorCode, IReadOnlyList<ApiVersionRange> keys)
    {
        var flexible = version >= 3;
        writer.WriteInt16(errorCode);
        writer.WriteArray(keys, flexible, (w, k) =>
        {
            w.WriteInt16((short)k.Key);
            w.WriteInt16(0);
            w.WriteInt16(k.Max);
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

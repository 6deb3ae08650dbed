using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>
/// SaslHandshake (key 17) and SaslAuthenticate (key 36).
/// SaslHandshake v0-1 (never flexible): request mechanism string; response error_code int16, mechanisms
/// [string]. v1 means the SASL tokens that follow travel in SaslAuthenticate requests (KIP-152).
/// SaslAuthenticate v0-2 (flexible from v2): request auth_bytes bytes; response error_code int16,
/// error_message nullable string, auth_bytes bytes, session_lifetime_ms int64 (v1+, KIP-368), tagged fields (v2).
/// </summary>
internal static class SaslMessages
{
    public static string ReadHandshake(KafkaReader reader) => reader.ReadString(flexible: false);

    public static void WriteHandshake(KafkaWriter writer, short errorCode, IReadOnlyCollection<string> mechanisms)
    {
        writer.WriteInt16(errorCode);
        writer.WriteArray(mechanisms, flexible: false, (w, m) => w.WriteString(m, flexible: false));
    }

    public static ReadOnlyMemory<byte> ReadAuthenticate(KafkaReader reader, short version)
    {
        var flexible = version >= 2;
        var bytes = reader.ReadBytes(flexible);
        reader.SkipTaggedFieldsIf(flexible);
        return bytes;
    }

    public static void WriteAuthenticate(KafkaWriter writer, short version, short errorCode, string? errorMessage, ReadOnlySpan<byte> authBytes, long sessionLifetimeMs)
    {
        var flexible = version >= 2;
        writer.WriteInt16(errorCode);
        writer.WriteNullableString(errorMessage, flexible);
        writer.WriteBytes(authBytes, flexible);
        if (version >= 1)
        {
            writer.WriteInt64(sessionLifetimeMs);
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>An InitProducerId request: -1 / -1 for a new producer, or the current id and epoch to bump (v3+).</summary>
internal sealed record InitProducerIdRequest(string? TransactionalId, int TransactionTimeoutMs, long ProducerId, short ProducerEpoch);

/// <summary>
/// InitProducerId (key 22), v0-4, flexible from v2. Request: transactional_id nullable string,
/// transaction_timeout_ms int32, producer_id int64 (v3+), producer_epoch int16 (v3+). Response:
/// throttle_time_ms int32, error_code int16, producer_id int64, producer_epoch int16.
/// </summary>
internal static class InitProducerIdMessages
{
    public static InitProducerIdRequest ReadRequest(KafkaReader reader, short version)
    {
        var flexible = version >= 2;
        var transactionalId = reader.ReadNullableString(flexible);
        var timeout = reader.ReadInt32();
        long producerId = -1;
        short epoch = -1;
        if (version >= 3)
        {
            producerId = reader.ReadInt64();
            epoch = reader.ReadInt16();
        }

        reader.SkipTaggedFieldsIf(flexible);
        return new InitProducerIdRequest(transactionalId, timeout, producerId, epoch);
    }

    public static void WriteResponse(KafkaWriter writer, short version, short errorCode, long producerId, short producerEpoch)
    {
        var flexible = version >= 2;
        writer.WriteInt32(0);
        writer.WriteInt16(errorCode);
        writer.WriteInt64(producerId);
        writer.WriteInt16(producerEpoch);
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>One partition's records of a Produce request (null records are refused by the handler).</summary>
internal sealed record ProducePartitionData(int Partition, ReadOnlyMemory<byte>? Records);

/// <summary>One topic of a Produce request.</summary>
internal sealed record ProduceTopicData(string Name, IReadOnlyList<ProducePartitionData> Partitions);

/// <summary>A Produce request.</summary>
internal sealed record ProduceRequest(string? TransactionalId, short Acks, int TimeoutMs, IReadOnlyList<ProduceTopicData> Topics);

/// <summary>One partition's outcome.</summary>
internal sealed record ProducePartitionResponse(int Partition, short ErrorCode, long BaseOffset, long LogAppendTime, long LogStartOffset, string? ErrorMessage);

/// <summary>One topic's outcomes.</summary>
internal sealed record ProduceTopicResponse(string Name, IReadOnlyList<ProducePartitionResponse> Partitions);

/// <summary>
/// Produce (key 0), served 3-9, flexible from v9 (versions 0-2 are read to answer UNSUPPORTED_VERSION).
/// Request: transactional_id nullable string (v3+), acks int16, timeout_ms int32, topic_data [name,
/// partition_data [index int32, records nullable bytes]]. Response: responses [name, partition_responses
/// [index, error_code, base_offset int64, log_append_time_ms int64 (v2+), log_start_offset int64 (v5+),
/// record_errors [batch_index int32, batch_index_error_message nullable string] (v8+), error_message
/// nullable string (v8+)]], throttle_time_ms int32 (v1+).
/// </summary>
internal static class ProduceMessages
{
    public static ProduceRequest ReadRequest(KafkaReader reader, short version)
    {
        var flexible = version >= 9;
        var transactionalId = version >= 3 ? reader.ReadNullableString(flexible) : null;
        var acks = reader.ReadInt16();
        var timeout = reader.ReadInt32();
        var topics = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var partitions = r.ReadArray(flexible, pr =>
            {
                var index = pr.ReadInt32();
                var records = pr.ReadNullableBytes(flexible);
                pr.SkipTaggedFieldsIf(flexible);
                return new ProducePartitionData(index, records);
            });
            r.SkipTaggedFieldsIf(flexible);
            return new ProduceTopicData(name, partitions);
        });
        reader.SkipTaggedFieldsIf(flexible);
        return new ProduceRequest(transactionalId, acks, timeout, topics);
    }

    public static void WriteResponse(KafkaWriter writer, short version, IReadOnlyList<ProduceTopicResponse> topics)
    {
        var flexible = version >= 9;
        writer.WriteArray(topics, flexible, (w, t) =>
        {
            w.WriteString(t.Name, flexible);
            w.WriteArray(t.Partitions, flexible, (pw, p) =>
            {
                pw.WriteInt32(p.Partition);
                pw.WriteInt16(p.ErrorCode);
                pw.WriteInt64(p.BaseOffset);
                if (version >= 2)
                {
                    pw.WriteInt64(p.LogAppendTime);
                }

                if (version >= 5)
                {
                    pw.WriteInt64(p.LogStartOffset);
                }

                if (version >= 8)
                {
                    pw.WriteArrayLength(0, flexible);
                    pw.WriteNullableString(p.ErrorMessage, flexible);
                }

                pw.WriteEmptyTaggedFieldsIf(flexible);
            });
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>One partition of a ListOffsets request: a timestamp, or -1 (latest), -2 (earliest), -3 (max timestamp).</summary>
internal sealed record ListOffsetsPartitionRequest(int Partition, long Timestamp);

/// <summary>One topic of a ListOffsets request.</summary>
internal sealed record ListOffsetsTopicRequest(string Name, IReadOnlyList<ListOffsetsPartitionRequest> Partitions);

/// <summary>One partition of a ListOffsets answer.</summary>
internal sealed record ListOffsetsPartitionResponse(int Partition, short ErrorCode, long Timestamp, long Offset);

/// <summary>One topic of a ListOffsets answer.</summary>
internal sealed record ListOffsetsTopicResponse(string Name, IReadOnlyList<ListOffsetsPartitionResponse> Partitions);

/// <summary>
/// ListOffsets (key 2), v0-7, flexible from v6. Request: replica_id int32, isolation_level int8 (v2+),
/// topics [name, partitions [partition_index int32, current_leader_epoch int32 (v4+), timestamp int64,
/// max_num_offsets int32 (v0)]]. Response: throttle_time_ms (v2+), topics [name, partitions
/// [partition_index, error_code, old_style_offsets [int64] (v0), timestamp int64 (v1+), offset int64 (v1+),
/// leader_epoch int32 (v4+)]].
/// </summary>
internal static class ListOffsetsMessages
{
    public const long Latest = -1;
    public const long Earliest = -2;
    public const long MaxTimestamp = -3;

    public static IReadOnlyList<ListOffsetsTopicRequest> ReadRequest(KafkaReader reader, short version)
    {
        var flexible = version >= 6;
        reader.ReadInt32();
        if (version >= 2)
        {
            reader.ReadInt8();
        }

        var topics = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var partitions = r.ReadArray(flexible, pr =>
            {
                var partition = pr.ReadInt32();
                if (version >= 4)
                {
                    pr.ReadInt32();
                }

                var timestamp = pr.ReadInt64();
                if (version == 0)
                {
                    pr.ReadInt32();
                }

                pr.SkipTaggedFieldsIf(flexible);
                return new ListOffsetsPartitionRequest(partition, timestamp);
            });
            r.SkipTaggedFieldsIf(flexible);
            return new ListOffsetsTopicRequest(name, partitions);
        });
        reader.SkipTaggedFieldsIf(flexible);
        return topics;
    }

    public static void WriteResponse(KafkaWriter writer, short version, IReadOnlyList<ListOffsetsTopicResponse> topics)
    {
        var flexible = version >= 6;
        if (version >= 2)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(topics, flexible, (w, t) =>
        {
            w.WriteString(t.Name, flexible);
            w.WriteArray(t.Partitions, flexible, (pw, p) =>
            {
                pw.WriteInt32(p.Partition);
                pw.WriteInt16(p.ErrorCode);
                if (version == 0)
                {
                    if (p.ErrorCode == KafkaError.None && p.Offset >= 0)
                    {
                        pw.WriteArrayLength(1, flexible);
                        pw.WriteInt64(p.Offset);
                    }
                    else
                    {
                        pw.WriteArrayLength(0, flexible);
                    }
                }
                else
                {
                    pw.WriteInt64(p.Timestamp);
                    pw.WriteInt64(p.Offset);
                }

                if (version >= 4)
                {
                    pw.WriteInt32(0);
                }

                pw.WriteEmptyTaggedFieldsIf(flexible);
            });
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

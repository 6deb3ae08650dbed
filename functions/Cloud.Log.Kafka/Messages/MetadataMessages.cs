using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>A Metadata request: the topics asked for (null: all), and whether a missing one may be created.</summary>
internal sealed record MetadataRequest(IReadOnlyList<string>? Topics, bool AllowAutoTopicCreation);

/// <summary>One broker of a Metadata answer.</summary>
internal sealed record MetadataBroker(int NodeId, string Host, int Port);

/// <summary>One partition of a Metadata answer: this broker leads it, with a constant epoch.</summary>
internal sealed record MetadataPartition(short ErrorCode, int Index, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas);

/// <summary>One topic of a Metadata answer.</summary>
internal sealed record MetadataTopic(short ErrorCode, string Name, Guid TopicId, IReadOnlyList<MetadataPartition> Partitions);

/// <summary>A Metadata answer.</summary>
internal sealed record MetadataResponse(IReadOnlyList<MetadataBroker> Brokers, string ClusterId, int ControllerId, IReadOnlyList<MetadataTopic> Topics);

/// <summary>
/// Metadata (key 3), v0-12, flexible from v9. Request: topics [topic_id uuid (v10+), name string (nullable
/// v10+)] (null = all topics, v1+; v0's empty array means all), allow_auto_topic_creation bool (v4+),
/// include_cluster_authorized_operations bool (v8-10), include_topic_authorized_operations bool (v8+).
/// Response: throttle_time_ms (v3+), brokers [node_id, host, port, rack nullable string (v1+)], cluster_id
/// nullable string (v2+), controller_id (v1+), topics [error_code, name, topic_id (v10+), is_internal (v1+),
/// partitions [error_code, partition_index, leader_id, leader_epoch (v7+), replica_nodes [int32],
/// isr_nodes [int32], offline_replicas [int32] (v5+)], topic_authorized_operations int32 (v8+)],
/// cluster_authorized_operations int32 (v8-10).
/// </summary>
internal static class MetadataMessages
{
    /// <summary>"Not asked": Kafka's value for authorized operations left out.</summary>
    private const int OperationsNotAsked = int.MinValue;

    public static MetadataRequest ReadRequest(KafkaReader reader, short version)
    {
        var flexible = version >= 9;
        List<string>? topics = null;
        var count = reader.ReadArrayLength(flexible);
        if (count >= 0)
        {
            topics = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                if (version >= 10)
                {
                    reader.ReadUuid();
                }

                var name = version >= 10 ? reader.ReadNullableString(flexible) : reader.ReadString(flexible);
                reader.SkipTaggedFieldsIf(flexible);
                if (name is not null)
                {
                    topics.Add(name);
                }
            }
        }

        if (version == 0 && topics is { Count: 0 })
        {
            topics = null;
        }

        var allowAutoCreate = version < 4 || reader.ReadBoolean();
        if (version is >= 8 and <= 10)
        {
            reader.ReadBoolean();
        }

        if (version >= 8)
        {
            reader.ReadBoolean();
        }

        reader.SkipTaggedFieldsIf(flexible);
        return new MetadataRequest(topics, allowAutoCreate);
    }

    public static void WriteResponse(KafkaWriter writer, short version, MetadataResponse response)
    {
        var flexible = version >= 9;
        if (version >= 3)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(response.Brokers, flexible, (w, b) =>
        {
            w.WriteInt32(b.NodeId);
            w.WriteString(b.Host, flexible);
            w.WriteInt32(b.Port);
            if (version >= 1)
            {
                w.WriteNullableString(null, flexible);
            }

            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        if (version >= 2)
        {
            writer.WriteNullableString(response.ClusterId, flexible);
        }

        if (version >= 1)
        {
            writer.WriteInt32(response.ControllerId);
        }

        writer.WriteArray(response.Topics, flexible, (w, t) =>
        {
            w.WriteInt16(t.ErrorCode);
            w.WriteString(t.Name, flexible);
            if (version >= 10)
            {
                w.WriteUuid(t.TopicId);
            }

            if (version >= 1)
            {
                w.WriteBoolean(false);
            }

            w.WriteArray(t.Partitions, flexible, (pw, p) =>
            {
                pw.WriteInt16(p.ErrorCode);
                pw.WriteInt32(p.Index);
                pw.WriteInt32(p.Leader);
                if (version >= 7)
                {
                    pw.WriteInt32(p.LeaderEpoch);
                }

                pw.WriteArray(p.Replicas, flexible, (rw, r) => rw.WriteInt32(r));
                pw.WriteArray(p.Replicas, flexible, (rw, r) => rw.WriteInt32(r));
                if (version >= 5)
                {
                    pw.WriteArrayLength(0, flexible);
                }

                pw.WriteEmptyTaggedFieldsIf(flexible);
            });
            if (version >= 8)
            {
                w.WriteInt32(OperationsNotAsked);
            }

            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        if (version is >= 8 and <= 10)
        {
            writer.WriteInt32(OperationsNotAsked);
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>One partition's commit of an OffsetCommit request.</summary>
internal sealed record OffsetCommitPartition(int Partition, long Offset, string? Metadata);

/// <summary>An OffsetCommit request.</summary>
internal sealed record OffsetCommitRequest(string GroupId, int GenerationId, string MemberId, IReadOnlyList<(string Topic, IReadOnlyList<OffsetCommitPartition> Partitions)> Topics);

/// <summary>One partition of an OffsetFetch answer (-1 and empty metadata where nothing is committed).</summary>
internal sealed record OffsetFetchPartition(int Partition, long Offset, string Metadata, short ErrorCode);

/// <summary>
/// OffsetCommit (8) v0-8, flexible v8+, and OffsetFetch (9) v0-7, flexible v6+. OffsetCommit request:
/// group_id, generation_id (v1+), member_id (v1+), group_instance_id nullable (v7+), retention_time_ms
/// int64 (v2-4), topics [name, partitions [partition_index, committed_offset int64, committed_leader_epoch
/// int32 (v6+), commit_timestamp int64 (v1), committed_metadata nullable string]]; answer: throttle_time_ms
/// (v3+), topics [name, partitions [partition_index, error_code]]. OffsetFetch request: group_id, topics
/// [name, partition_indexes [int32]] (null = all, v2+), require_stable bool (v7+); answer: throttle_time_ms
/// (v3+), topics [name, partitions [partition_index, committed_offset, committed_leader_epoch (v5+),
/// metadata nullable string, error_code]], error_code (v2+).
/// </summary>
internal static class OffsetMessages
{
    public static OffsetCommitRequest ReadOffsetCommit(KafkaReader reader, short version)
    {
        var flexible = version >= 8;
        var group = reader.ReadString(flexible);
        var generation = version >= 1 ? reader.ReadInt32() : -1;
        var member = version >= 1 ? reader.ReadString(flexible) : string.Empty;
        if (version >= 7)
        {
            reader.ReadNullableString(flexible);
        }

        if (version is >= 2 and <= 4)
        {
            reader.ReadInt64();
        }

        var topics = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            IReadOnlyList<OffsetCommitPartition> partitions = r.ReadArray(flexible, pr =>
            {
                var partition = pr.ReadInt32();
                var offset = pr.ReadInt64();
                if (version >= 6)
                {
                    pr.ReadInt32();
                }

                if (version == 1)
                {
                    pr.ReadInt64();
                }

                var metadata = pr.ReadNullableString(flexible);
                pr.SkipTaggedFieldsIf(flexible);
                return new OffsetCommitPartition(partition, offset, metadata);
            });
            r.SkipTaggedFieldsIf(flexible);
            return (name, partitions);
        });
        reader.SkipTaggedFieldsIf(flexible);
        return new OffsetCommitRequest(group, generation, member, topics);
    }

    public static void WriteOffsetCommit(KafkaWriter writer, short version, IReadOnlyList<(string Topic, IReadOnlyList<(int Partition, short Error)> Partitions)> topics)
    {
        var flexible = version >= 8;
        if (version >= 3)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(topics, flexible, (w, t) =>
        {
            w.WriteString(t.Topic, flexible);
            w.WriteArray(t.Partitions, flexible, (pw, p) =>
            {
                pw.WriteInt32(p.Partition);
                pw.WriteInt16(p.Error);
                pw.WriteEmptyTaggedFieldsIf(flexible);
            });
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    public static (string Group, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? Topics) ReadOffsetFetch(KafkaReader reader, short version)
    {
        var flexible = version >= 6;
        var group = reader.ReadString(flexible);
        List<(string, IReadOnlyList<int>)>? topics = null;
        var count = reader.ReadArrayLength(flexible);
        if (count >= 0)
        {
            topics = [];
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString(flexible);
                var partitions = reader.ReadArray(flexible, r => r.ReadInt32());
                reader.SkipTaggedFieldsIf(flexible);
                topics.Add((name, partitions));
            }
        }

        if (version >= 7)
        {
            reader.ReadBoolean();
        }

        reader.SkipTaggedFieldsIf(flexible);
        return (group, topics);
    }

    public static void WriteOffsetFetch(KafkaWriter writer, short version, short errorCode, IReadOnlyList<(string Topic, IReadOnlyList<OffsetFetchPartition> Partitions)> topics)
    {
        var flexible = version >= 6;
        if (version >= 3)
        {
            writer.WriteInt32(0);
        }

        writer.WriteArray(topics, flexible, (w, t) =>
        {
            w.WriteString(t.Topic, flexible);
            w.WriteArray(t.Partitions, flexible, (pw, p) =>
            {
                pw.WriteInt32(p.Partition);
                pw.WriteInt64(p.Offset);
                if (version >= 5)
                {
                    pw.WriteInt32(-1);
                }

                pw.WriteNullableString(p.Metadata, flexible);
                pw.WriteInt16(p.ErrorCode);
                pw.WriteEmptyTaggedFieldsIf(flexible);
            });
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        if (version >= 2)
        {
            writer.WriteInt16(errorCode);
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

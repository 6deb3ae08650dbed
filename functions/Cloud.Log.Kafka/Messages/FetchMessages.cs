using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>One partition of a Fetch request.</summary>
internal sealed record FetchPartitionRequest(int Partition, long FetchOffset, int PartitionMaxBytes);

/// <summary>One topic of a Fetch request.</summary>
internal sealed record FetchTopicRequest(string Name, IReadOnlyList<FetchPartitionRequest> Partitions);

/// <summary>A Fetch request (sessions are not kept: a session id asked for is answered with 0, a full fetch).</summary>
internal sealed record FetchRequest(int MaxWaitMs, int MinBytes, int MaxBytes, int SessionId, int SessionEpoch, IReadOnlyList<FetchTopicRequest> Topics);

/// <summary>One partition of a Fetch answer: its whole stored batches.</summary>
internal sealed record FetchPartitionResponse(int Partition, short ErrorCode, long HighWatermark, long LogStartOffset, IReadOnlyList<ReadOnlyMemory<byte>> Batches);

/// <summary>One topic of a Fetch answer.</summary>
internal sealed record FetchTopicResponse(string Name, IReadOnlyList<FetchPartitionResponse> Partitions);

/// <summary>
/// Fetch (key 1), served 4-12, flexible from v12 (versions 0-3 are read to answer UNSUPPORTED_VERSION).
/// Request: replica_id int32, max_wait_ms int32, min_bytes int32, max_bytes int32 (v3+), isolation_level
/// int8 (v4+), session_id int32 (v7+), session_epoch int32 (v7+), topics [topic string, partitions
/// [partition int32, current_leader_epoch int32 (v9+), fetch_offset int64, last_fetched_epoch int32 (v12+),
/// log_start_offset int64 (v5+), partition_max_bytes int32]], forgotten_topics_data [topic, partitions
/// [int32]] (v7+), rack_id string (v11+). Response: throttle_time_ms (v1+), error_code int16 (v7+),
/// session_id int32 (v7+), responses [topic, partitions [partition_index, error_code, high_watermark,
/// last_stable_offset (v4+), log_start_offset (v5+), aborted_transactions nullable [producer_id,
/// first_offset] (v4+), preferred_read_replica int32 (v11+), records nullable bytes]].
/// </summary>
internal static class FetchMessages
{
    public static FetchRequest ReadRequest(KafkaReader reader, short version)
    {
        var flexible = version >= 12;
        reader.ReadInt32(); // replica_id
        var maxWait = reader.ReadInt32();
        var minBytes = reader.ReadInt32();
        var maxBytes = version >= 3 ? reader.ReadInt32() : int.MaxValue;
        if (version >= 4)
        {
            reader.ReadInt8(); // isolation_level: no transactions, so both levels read the same
        }

        var sessionId = version >= 7 ? reader.ReadInt32() : 0;
        var sessionEpoch = version >= 7 ? reader.ReadInt32() : -1;
        var topics = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var partitions = r.ReadArray(flexible, pr =>
            {
                var partition = pr.ReadInt32();
                if (version >= 9)
                {
                    pr.ReadInt32();
                }

                var offset = pr.ReadInt64();
                if (version >= 12)
                {
                    pr.ReadInt32();
                }

                if (version >= 5)
                {
                    pr.ReadInt64();
                }

                var partitionMaxBytes = pr.ReadInt32();
                pr.SkipTaggedFieldsIf(flexible);
                return new FetchPartitionRequest(partition, offset, partitionMaxBytes);
            });
            r.SkipTaggedFieldsIf(flexible);
            return new FetchTopicRequest(name, partitions);
        });
        if (version >= 7)
        {
            reader.ReadArray(flexible, r =>
            {
                r.ReadString(flexible);
                r.ReadArray(flexible, pr => pr.ReadInt32());
                r.SkipTaggedFieldsIf(flexible);
                return 0;
            });
        }

        if (version >= 11)
        {
            reader.ReadString(flexible);
        }

        reader.SkipTaggedFieldsIf(flexible);
        return new FetchRequest(maxWait, minBytes, maxBytes, sessionId, sessionEpoch, topics);
    }

    public static void WriteResponse(KafkaWriter writer, short version, short errorCode, IReadOnlyList<FetchTopicResponse> topics)
    {
        var flexible = version >= 12;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        if (version >= 7)
        {
            writer.WriteInt16(errorCode);
            writer.WriteInt32(0); // no session: every fetch is a full one
        }

        writer.WriteArray(topics, flexible, (w, t) =>
        {
            w.WriteString(t.Name, flexible);
            w.WriteArray(t.Partitions, flexible, (pw, p) =>
            {
                pw.WriteInt32(p.Partition);
                pw.WriteInt16(p.ErrorCode);
                pw.WriteInt64(p.HighWatermark);
                if (version >= 4)
                {
                    pw.WriteInt64(p.HighWatermark); // last stable offset: no transactions, so the high watermark
                }

                if (version >= 5)
                {
                    pw.WriteInt64(p.LogStartOffset);
                }

                if (version >= 4)
                {
                    pw.WriteArrayLength(-1, flexible); // aborted transactions: none
                }

                if (version >= 11)
                {
                    pw.WriteInt32(-1); // preferred read replica: none
                }

                pw.WriteRecords(p.Batches, flexible);
                pw.WriteEmptyTaggedFieldsIf(flexible);
            });
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}

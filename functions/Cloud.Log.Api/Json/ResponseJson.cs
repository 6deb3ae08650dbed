using System.Text.Json;
using System.Text.Unicode;
using Cloud.Log.Core;
using Cloud.Log.Core.Groups;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Api.Json;

/// <summary>Writes the contract's answers with a <see cref="Utf8JsonWriter"/>, field by field, as the contract names them.</summary>
internal static class ResponseJson
{
    public static void WriteTopic(Utf8JsonWriter w, TopicDescription topic)
    {
        w.WriteStartObject();
        w.WriteString("name", topic.Name);
        w.WriteString("topicId", topic.TopicId);
        w.WriteNumber("replicationFactor", topic.ReplicationFactor);
        w.WriteStartObject("configs");
        foreach (var (name, value) in topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WriteString(name, value);
        }

        w.WriteEndObject();
        w.WriteStartArray("partitions");
        foreach (var p in topic.Partitions)
        {
            w.WriteStartObject();
            w.WriteNumber("partition", p.Partition);
            w.WriteNumber("leader", p.Leader);
            w.WriteNumber("leaderEpoch", p.LeaderEpoch);
            WriteInts(w, "replicas", p.Replicas);
            WriteInts(w, "isr", p.Isr);
            w.WriteNumber("logStartOffset", p.LogStartOffset);
            w.WriteNumber("highWatermark", p.HighWatermark);
            if (p.SizeBytes is { } size)
            {
                w.WriteNumber("sizeBytes", size);
            }

            if (p.SegmentCount is { } segments)
            {
                w.WriteNumber("segments", segments);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteTopicList(Utf8JsonWriter w, IEnumerable<TopicSummary> topics)
    {
        w.WriteStartObject();
        w.WriteStartArray("topics");
        foreach (var t in topics)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteNumber("partitions", t.Partitions);
            w.WriteNumber("replicationFactor", t.ReplicationFactor);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteProduced(Utf8JsonWriter w, IReadOnlyList<RecordMetadata> results)
    {
        w.WriteStartObject();
        w.WriteStartArray("offsets");
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteNumber("partition", r.Partition);
            w.WriteNumber("offset", r.Offset);
            w.WriteNumber("timestamp", r.Timestamp);
            if (r.Error is { } error)
            {
                WriteError(w, error);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteProducedBatches(Utf8JsonWriter w, IReadOnlyList<ProducedBatch> batches)
    {
        w.WriteStartObject();
        w.WriteStartArray("batches");
        foreach (var b in batches)
        {
            w.WriteStartObject();
            w.WriteNumber("partition", b.Partition);
            w.WriteNumber("baseOffset", b.BaseOffset);
            w.WriteNumber("recordCount", b.RecordCount);
            w.WriteNumber("logAppendTime", b.LogAppendTime);
            if (b.Error is { } error)
            {
                WriteError(w, error);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteAssignment(Utf8JsonWriter w, MemberAssignment assignment)
    {
        w.WriteStartObject();
        w.WriteString("memberId", assignment.MemberId);
        w.WriteNumber("generation", assignment.Generation);
        w.WriteNumber("heartbeatIntervalMs", (long)assignment.HeartbeatInterval.TotalMilliseconds);
        WritePartitions(w, "assigned", assignment.Assigned);
        WritePartitions(w, "target", assignment.Target);
        w.WriteEndObject();

    }

    /// <summary>A group's live members; partitions of topics the caller may not see are left out (<paramref name="visible"/>).</summary>
    public static void WriteGroup(Utf8JsonWriter w, GroupDescription group, Func<string, bool> visible)
    {
        w.WriteStartObject();
        w.WriteString("group", group.Group);
        w.WriteNumber("generation", group.Generation);
        w.WriteString("state", group.State.ToString());
        w.WriteStartArray("members");
        foreach (var m in group.Members)
        {
            w.WriteStartObject();
            w.WriteString("memberId", m.MemberId);
            w.WriteStartArray("topics");
            foreach (var topic in m.Topics.Where(visible))
            {
                w.WriteStringValue(topic);
            }

            w.WriteEndArray();
            w.WriteNumber("sessionTimeoutMs", (long)m.SessionTimeout.TotalMilliseconds);
            w.WriteNumber("expiresAt", m.ExpiresAt.ToUnixTimeMilliseconds());
            WritePartitions(w, "assigned", m.Assigned.Where(p => visible(p.Topic)).ToList());
            WritePartitions(w, "target", m.Target.Where(p => visible(p.Topic)).ToList());
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePartitions(Utf8JsonWriter w, string name, IReadOnlyList<TopicPartition> partitions)
    {
        w.WriteStartArray(name);
        foreach (var p in partitions)
        {
            w.WriteStartObject();
            w.WriteString("topic", p.Topic);
            w.WriteNumber("partition", p.Partition);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    public static void WriteProducer(Utf8JsonWriter w, long producerId, short producerEpoch)
    {
        w.WriteStartObject();
        w.WriteNumber("producerId", producerId);
        w.WriteNumber("producerEpoch", producerEpoch);
        w.WriteEndObject();
    }

    /// <summary>
    /// The fetch answer. With <paramref name="base64"/> false, keys, values and header values are strings
    /// where they are valid UTF-8 and base64 fields (<c>keyBase64</c>, <c>valueBase64</c>,
    /// <c>headersBase64</c>) where not; with it true, always the base64 fields.
    /// </summary>
    public static void WriteFetch(Utf8JsonWriter w, int partition, FetchResult fetch, bool base64)
    {
        w.WriteStartObject();
        w.WriteStartArray("records");
        foreach (var record in fetch.Records)
        {
            WriteRecord(w, partition, record, base64);
        }

        w.WriteEndArray();
        w.WriteNumber("nextOffset", fetch.NextOffset);
        w.WriteNumber("highWatermark", fetch.HighWatermark);
        w.WriteNumber("logStartOffset", fetch.LogStartOffset);
        w.WriteEndObject();
    }

    /// <summary>A multi-partition fetch: per partition its records (as a single fetch writes them), offsets, and error if any.</summary>
    internal static void WriteMultiFetch(Utf8JsonWriter w, IReadOnlyList<Http.PartitionFetch> partitions, bool base64)
    {
        w.WriteStartObject();
        w.WriteStartArray("partitions");
        foreach (var p in partitions)
        {
            w.WriteStartObject();
            w.WriteString("topic", p.Topic);
            w.WriteNumber("partition", p.Partition);
            w.WriteStartArray("records");
            foreach (var record in p.Records?.Records ?? [])
            {
                WriteRecord(w, p.Partition, record, base64);
            }

            w.WriteEndArray();
            w.WriteNumber("nextOffset", p.NextOffset);
            w.WriteNumber("highWatermark", p.HighWatermark);
            w.WriteNumber("logStartOffset", p.LogStartOffset);
            if (p.Error is { } error)
            {
                WriteError(w, error);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One fetched record, as both fetch answers (one partition, several) write it.</summary>
    private static void WriteRecord(Utf8JsonWriter w, int partition, ConsumerRecord record, bool base64)
    {
        w.WriteStartObject();
        w.WriteNumber("partition", partition);
        w.WriteNumber("offset", record.Offset);
        w.WriteNumber("timestamp", record.Timestamp);
        WriteBytes(w, "key", record.Key, base64);
        WriteBytes(w, "value", record.Value, base64);
        WriteHeaders(w, record.Headers, base64);
        w.WriteEndObject();
    }

    public static void WriteOffset(Utf8JsonWriter w, OffsetLookup lookup)
    {
        w.WriteStartObject();
        WriteNullable(w, "offset", lookup.Offset);
        WriteNullable(w, "timestamp", lookup.Timestamp);
        w.WriteEndObject();
    }

    public static void WriteGroupOffsets(Utf8JsonWriter w, string group, IReadOnlyList<CommittedOffset> offsets)
    {
        w.WriteStartObject();
        w.WriteString("group", group);
        w.WriteStartArray("offsets");
        foreach (var o in offsets)
        {
            w.WriteStartObject();
            w.WriteString("topic", o.Topic);
            w.WriteNumber("partition", o.Partition);
            w.WriteNumber("offset", o.Offset);
            w.WriteString("metadata", o.Metadata);
            w.WriteNumber("lag", o.Lag);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteGroups(Utf8JsonWriter w, IEnumerable<string> groups)
    {
        w.WriteStartObject();
        w.WriteStartArray("groups");
        foreach (var g in groups)
        {
            w.WriteStartObject();
            w.WriteString("group", g);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteBytes(Utf8JsonWriter w, string name, ReadOnlyMemory<byte>? bytes, bool base64)
    {
        if (bytes is not { } b)
        {
            w.WriteNull(base64 ? name + "Base64" : name);
        }
        else if (!base64 && Utf8.IsValid(b.Span))
        {
            w.WriteString(name, b.Span);
        }
        else
        {
            w.WriteBase64String(name + "Base64", b.Span);
        }
    }

    private static void WriteHeaders(Utf8JsonWriter w, IReadOnlyList<RecordHeader> headers, bool base64)
    {
        var asText = headers.Select(h => !base64 && (h.Value is not { } v || Utf8.IsValid(v.Span))).ToArray();
        w.WriteStartObject("headers");
        for (var i = 0; i < headers.Count; i++)
        {
            if (asText[i])
            {
                WriteHeader(w, headers[i], base64: false);
            }
        }

        w.WriteEndObject();
        if (asText.Contains(false))
        {
            w.WriteStartObject("headersBase64");
            for (var i = 0; i < headers.Count; i++)
            {
                if (!asText[i])
                {
                    WriteHeader(w, headers[i], base64: true);
                }
            }

            w.WriteEndObject();
        }
    }

    private static void WriteHeader(Utf8JsonWriter w, RecordHeader header, bool base64)
    {
        if (header.Value is not { } v)
        {
            w.WriteNull(header.Key);
        }
        else if (base64)
        {
            w.WriteBase64String(header.Key, v.Span);
        }
        else
        {
            w.WriteString(header.Key, v.Span);
        }
    }

    private static void WriteInts(Utf8JsonWriter w, string name, IReadOnlyList<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>One partition's failure inside a produce answer: <c>"error":{"code","status","detail","retryAfterMs"}</c>.</summary>
    private static void WriteError(Utf8JsonWriter w, CloudLogException error)
    {
        w.WriteStartObject("error");
        w.WriteString("code", error.Code.ToWireName());
        w.WriteNumber("status", error.Code.ToHttpStatus());
        w.WriteString("detail", error.Message);
        if (error.RetryAfter is { } retryAfter)
        {
            w.WriteNumber("retryAfterMs", (long)retryAfter.TotalMilliseconds);
        }

        w.WriteEndObject();
    }
}

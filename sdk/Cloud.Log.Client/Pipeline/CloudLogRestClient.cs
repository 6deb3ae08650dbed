using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Wire;

namespace Cloud.Log.Client.Pipeline;

/// <summary>
/// The REST contract's endpoints as methods: one request each, JSON written with <see cref="Utf8JsonWriter"/>
/// and read with <see cref="JsonDocument"/>, record batches as bytes. The public clients build on this.
/// </summary>
internal sealed class CloudLogRestClient(CloudLogPipeline pipeline)
{
    private static readonly RequestMethod Patch = new("PATCH");

    public Uri Endpoint => pipeline.Endpoint;

    // Topics

    public async Task<(TopicDescription, Response)> CreateTopicAsync(string name, int partitions, int? replicationFactor, IReadOnlyDictionary<string, string>? configs, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "topics");
        message.Request.Content = Json(w =>
        {
            w.WriteString("name", name);
            w.WriteNumber("partitions", partitions);
            if (replicationFactor is { } factor)
            {
                w.WriteNumber("replicationFactor", factor);
            }

            if (configs is not null)
            {
                WriteConfigs(w, configs.Select(c => new KeyValuePair<string, string?>(c.Key, c.Value)));
            }
        });
        return await SendAsync(message, ReadTopic, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<TopicListing>, Response)> ListTopicsAsync(CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "topics");
        return await SendAsync(message, root => (IReadOnlyList<TopicListing>)root.GetProperty("topics").EnumerateArray()
            .Select(t => new TopicListing(t.GetProperty("name").GetString()!, t.GetProperty("partitions").GetInt32(), t.GetProperty("replicationFactor").GetInt32()))
            .ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<(TopicDescription, Response)> DescribeTopicAsync(string name, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "topics", name);
        return await SendAsync(message, ReadTopic, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(TopicDescription, Response)> AlterConfigsAsync(string name, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(Patch, "topics", name, "configs");
        message.Request.Content = Json(w => WriteConfigs(w, changes));
        return await SendAsync(message, ReadTopic, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(TopicDescription, Response)> AddPartitionsAsync(string name, int count, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "topics", name, "partitions");
        message.Request.Content = Json(w => w.WriteNumber("count", count));
        return await SendAsync(message, ReadTopic, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Response> DeleteTopicAsync(string name, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, "topics", name);
        return await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    // Records

    public async Task<(long ProducerId, short ProducerEpoch)> InitProducerAsync(CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "producers");
        var (identity, _) = await SendAsync(message, root => (root.GetProperty("producerId").GetInt64(), root.GetProperty("producerEpoch").GetInt16()), cancellationToken).ConfigureAwait(false);
        return identity;
    }

    /// <summary>A binary produce: one outcome per batch; throws when the request as a whole failed.</summary>
    public async Task<IReadOnlyList<BatchOutcome>> ProduceAsync(string topic, IReadOnlyList<(int Partition, ReadOnlyMemory<byte> Batch)> batches, Acks acks, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "topics", topic, "records");
        message.Request.Uri.AppendQuery("acks", acks switch { Acks.None => "0", Acks.Leader => "1", _ => "all" });
        message.Request.Headers.SetValue(HttpHeader.Names.ContentType, MediaTypes.RecordBatches);
        message.Request.Content = new FramesContent(batches);
        var (outcomes, _) = await SendAsync(message, root => (IReadOnlyList<BatchOutcome>)root.GetProperty("batches").EnumerateArray().Select(ReadOutcome).ToList(), cancellationToken).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>A binary fetch; <paramref name="offset"/> null starts at the log start.</summary>
    public async Task<FetchedBatches> FetchAsync(string topic, int partition, long? offset, int maxBytes, TimeSpan maxWait, TimeSpan networkTimeout, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "topics", topic, "partitions", Number(partition), "records");
        if (offset is { } from)
        {
            message.Request.Uri.AppendQuery("offset", Number(from));
        }

        message.Request.Uri.AppendQuery("maxBytes", Number(maxBytes));
        message.Request.Uri.AppendQuery("maxRecords", "10000");
        message.Request.Uri.AppendQuery("maxWaitMs", Number((long)maxWait.TotalMilliseconds));
        message.Request.Headers.SetValue(HttpHeader.Names.Accept, MediaTypes.RecordBatches);
        message.NetworkTimeout = maxWait + networkTimeout; // a long poll is not a hung connection
        message.BufferResponse = false; // read into one array of the answer's length, not a growing buffer and a copy
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        using var body = response.ContentStream ?? Stream.Null;
        var batches = new byte[response.Headers.ContentLength ?? throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, "The fetch answer has no Content-Length.")];
        await body.ReadExactlyAsync(batches, cancellationToken).ConfigureAwait(false);
        return new FetchedBatches(
            batches,
            Header(response, FetchHeaders.NextOffset),
            Header(response, FetchHeaders.HighWatermark),
            Header(response, FetchHeaders.LogStartOffset));
    }

    /// <summary>
    /// A binary multi-partition fetch (<c>POST /api/fetch</c>): one frame per partition asked for, in request
    /// order, each with its batches (slices of one answer array), offsets, or its own error.
    /// </summary>
    public async Task<List<FetchFrame>> FetchPartitionsAsync(IReadOnlyList<(string Topic, int Partition, long Offset)> partitions, int maxBytesPerPartition, int maxRecordsPerPartition, TimeSpan maxWait, TimeSpan networkTimeout, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "fetch");
        message.Request.Headers.SetValue(HttpHeader.Names.Accept, MediaTypes.RecordBatches);
        message.Request.Content = Json(w =>
        {
            w.WriteNumber("maxWaitMs", (long)maxWait.TotalMilliseconds);
            w.WriteStartArray("partitions");
            foreach (var (topic, partition, offset) in partitions)
            {
                w.WriteStartObject();
                w.WriteString("topic", topic);
                w.WriteNumber("partition", partition);
                w.WriteNumber("offset", offset);
                w.WriteNumber("maxBytes", maxBytesPerPartition);
                w.WriteNumber("maxRecords", maxRecordsPerPartition);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        message.NetworkTimeout = maxWait + networkTimeout; // a long poll is not a hung connection
        message.BufferResponse = false; // read into one array of the answer's length, not a growing buffer and a copy
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        using var body = response.ContentStream ?? Stream.Null;
        var answer = new byte[response.Headers.ContentLength ?? throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, "The fetch answer has no Content-Length.")];
        await body.ReadExactlyAsync(answer, cancellationToken).ConfigureAwait(false);
        try
        {
            return FetchFrames.Read(answer);
        }
        catch (Protocol.Batches.RecordBatchFormatException e)
        {
            throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, "POST /api/fetch: the answer is not the contract's frames (" + e.Message + ").", e);
        }
    }

    /// <summary>List offsets: <paramref name="at"/> is earliest, latest or a timestamp in ms. Null offset: none at or after the timestamp.</summary>
    public async Task<long?> ListOffsetAsync(string topic, int partition, string at, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "topics", topic, "partitions", Number(partition), "offsets");
        message.Request.Uri.AppendQuery("at", at);
        var (offset, _) = await SendAsync(message, root => root.GetProperty("offset") is { ValueKind: JsonValueKind.Number } o ? o.GetInt64() : (long?)null, cancellationToken).ConfigureAwait(false);
        return offset;
    }

    // Groups

    public async Task<Response> CommitAsync(string group, IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "groups", group, "offsets");
        message.Request.Content = Json(w =>
        {
            w.WriteStartArray("offsets");
            foreach (var o in offsets)
            {
                w.WriteStartObject();
                w.WriteString("topic", o.Topic);
                w.WriteNumber("partition", o.Partition);
                w.WriteNumber("offset", o.Offset.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        return await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<CommittedOffset>, Response)> GetGroupOffsetsAsync(string group, string? topic, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "groups", group, "offsets");
        if (topic is not null)
        {
            message.Request.Uri.AppendQuery("topic", topic);
        }

        return await SendAsync(message, root => (IReadOnlyList<CommittedOffset>)root.GetProperty("offsets").EnumerateArray()
            .Select(o => new CommittedOffset(o.GetProperty("topic").GetString()!, o.GetProperty("partition").GetInt32(), o.GetProperty("offset").GetInt64(), o.GetProperty("metadata").GetString() ?? "", o.GetProperty("lag").GetInt64()))
            .ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Response<ConsumerGroupDescription>> DescribeGroupAsync(string group, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "groups", group);
        var (description, response) = await SendAsync(message, root => new ConsumerGroupDescription(
            root.GetProperty("group").GetString()!,
            root.GetProperty("generation").GetInt64(),
            root.GetProperty("state").GetString()!,
            root.GetProperty("members").EnumerateArray().Select(m => new ConsumerGroupMember(
                m.GetProperty("memberId").GetString()!,
                m.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!).ToList(),
                TimeSpan.FromMilliseconds(m.GetProperty("sessionTimeoutMs").GetInt64()),
                DateTimeOffset.FromUnixTimeMilliseconds(m.GetProperty("expiresAt").GetInt64()),
                ReadPartitions(m.GetProperty("assigned")),
                ReadPartitions(m.GetProperty("target")))).ToList()), cancellationToken).ConfigureAwait(false);
        return Response.FromValue(description, response);

        static List<TopicPartition> ReadPartitions(JsonElement list) =>
            list.EnumerateArray().Select(p => new TopicPartition(p.GetProperty("topic").GetString()!, p.GetProperty("partition").GetInt32())).ToList();
    }

    public async Task<(IReadOnlyList<ConsumerGroupListing>, Response)> ListGroupsAsync(CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, "groups");
        return await SendAsync(message, root => (IReadOnlyList<ConsumerGroupListing>)root.GetProperty("groups").EnumerateArray()
            .Select(g => new ConsumerGroupListing(g.GetProperty("group").GetString()!))
            .ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<Response> DeleteGroupAsync(string group, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, "groups", group);
        return await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<GroupAssignment> JoinGroupAsync(string group, IEnumerable<string> topics, TimeSpan sessionTimeout, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "groups", group, "members");
        message.Request.Content = Json(w =>
        {
            w.WriteStartArray("topics");
            foreach (var topic in topics)
            {
                w.WriteStringValue(topic);
            }

            w.WriteEndArray();
            w.WriteNumber("sessionTimeoutMs", (long)sessionTimeout.TotalMilliseconds);
        });
        var (assignment, _) = await SendAsync(message, ReadAssignment, cancellationToken).ConfigureAwait(false);
        return assignment;
    }

    public async Task<GroupAssignment> HeartbeatAsync(string group, string memberId, IEnumerable<TopicPartition> released, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Post, "groups", group, "members", memberId, "heartbeat");
        message.Request.Content = Json(w =>
        {
            w.WriteStartArray("released");
            foreach (var p in released)
            {
                w.WriteStartObject();
                w.WriteString("topic", p.Topic);
                w.WriteNumber("partition", p.Partition);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        var (assignment, _) = await SendAsync(message, ReadAssignment, cancellationToken).ConfigureAwait(false);
        return assignment;
    }

    public async Task LeaveGroupAsync(string group, string memberId, CancellationToken cancellationToken)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, "groups", group, "members", memberId);
        await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    // Reading and writing

    private async Task<(T, Response)> SendAsync<T>(HttpMessage message, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(response.Content.ToMemory());
            return (read(document.RootElement), response);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, $"{message.Request.Method} {message.Request.Uri.Path}: the answer is not the contract's ({e.Message}).", e);
        }
    }

    private static RequestContent Json(Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }

        return RequestContent.Create(buffer.WrittenMemory);
    }

    private static void WriteConfigs(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, string?>> configs)
    {
        w.WriteStartObject("configs");
        foreach (var (name, value) in configs)
        {
            if (value is null)
            {
                w.WriteNull(name);
            }
            else
            {
                w.WriteString(name, value);
            }
        }

        w.WriteEndObject();
    }

    private static TopicDescription ReadTopic(JsonElement t) => new(
        t.GetProperty("name").GetString()!,
        t.GetProperty("topicId").GetString()!,
        t.GetProperty("replicationFactor").GetInt32(),
        t.GetProperty("configs").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetString() ?? "", StringComparer.Ordinal),
        t.GetProperty("partitions").EnumerateArray().Select(p => new PartitionDescription(
            p.GetProperty("partition").GetInt32(),
            p.GetProperty("leader").GetInt32(),
            p.GetProperty("leaderEpoch").GetInt32(),
            p.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()).ToList(),
            p.GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()).ToList(),
            p.GetProperty("logStartOffset").GetInt64(),
            p.GetProperty("highWatermark").GetInt64(),
            p.TryGetProperty("sizeBytes", out var size) ? size.GetInt64() : null,
            p.TryGetProperty("segments", out var segments) ? segments.GetInt32() : null)).ToList());

    private static BatchOutcome ReadOutcome(JsonElement b)
    {
        CloudLogException? error = null;
        if (b.TryGetProperty("error", out var e))
        {
            error = new CloudLogException(e.GetProperty("status").GetInt32(), e.GetProperty("code").GetString()!, e.GetProperty("detail").GetString() ?? "")
            {
                RetryAfter = e.TryGetProperty("retryAfterMs", out var retryAfter) ? TimeSpan.FromMilliseconds(retryAfter.GetInt64()) : null,
            };
        }

        return new BatchOutcome(b.GetProperty("partition").GetInt32(), b.GetProperty("baseOffset").GetInt64(), b.GetProperty("logAppendTime").GetInt64(), error);
    }

    private static GroupAssignment ReadAssignment(JsonElement a)
    {
        static List<TopicPartition> Partitions(JsonElement list) =>
            list.EnumerateArray().Select(p => new TopicPartition(p.GetProperty("topic").GetString()!, p.GetProperty("partition").GetInt32())).ToList();
        return new GroupAssignment(
            a.GetProperty("memberId").GetString()!,
            a.GetProperty("generation").GetInt64(),
            TimeSpan.FromMilliseconds(a.GetProperty("heartbeatIntervalMs").GetInt64()),
            Partitions(a.GetProperty("assigned")),
            Partitions(a.GetProperty("target")));
    }

    private static long Header(Response response, string name) =>
        response.Headers.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, $"The fetch answer has no {name} header.");

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

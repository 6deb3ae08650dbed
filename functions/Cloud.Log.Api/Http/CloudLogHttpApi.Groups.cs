using System.Text.Json;
using Cloud.Log.Api.Json;
using Cloud.Log.Core;
using Cloud.Log.Core.Groups;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>Consumer groups: commit and read offsets, list, delete; members join, send heartbeats and leave.</summary>
public sealed partial class CloudLogHttpApi
{
    /// <summary><c>POST /api/groups/{group}/offsets</c> → 204. Every entry is checked before any is stored.</summary>
    public Task<IResult> CommitGroupOffsetsAsync(HttpRequest request, string group) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            using var json = JsonBody.Parse(body.Memory, "offsets", "memberId");
            var memberId = JsonBody.String(json.Root, "memberId");
            if (JsonBody.Field(json.Root, "offsets") is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
            {
                throw JsonBody.Invalid("'offsets' must be a non-empty array.");
            }

            var commits = new List<OffsetCommit>();
            foreach (var entry in array.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object || entry.EnumerateObject().Any(p => p.Name is not ("topic" or "partition" or "offset" or "metadata")))
                {
                    throw JsonBody.Invalid($"offsets[{commits.Count}] must be an object of topic, partition, offset and metadata.");
                }

                var topic = JsonBody.String(entry, "topic") ?? throw new CloudLogException(ErrorCode.InvalidTopic, $"offsets[{commits.Count}].topic is required.");
                CheckTopic(caller, topic);
                var partition = JsonBody.Int32(entry, "partition", ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' has no such partition.")
                    ?? throw JsonBody.Invalid($"offsets[{commits.Count}].partition is required.");
                var offset = JsonBody.Int64(entry, "offset") ?? throw JsonBody.Invalid($"offsets[{commits.Count}].offset is required.");
                commits.Add(new OffsetCommit(topic, partition, offset, JsonBody.String(entry, "metadata")));
            }

            await _engine.CommitOffsetsAsync(group, commits, memberId, cancellationToken).ConfigureAwait(false);
            foreach (var commit in commits)
            {
                Log.Committed(_logger, group, commit.Topic, commit.Partition, commit.Offset);
            }

            return Results.NoContent();
        });

    /// <summary><c>GET /api/groups/{group}/offsets?topic=</c>: committed offsets with lag, of the topics the caller may see.</summary>
    public Task<IResult> GetGroupOffsetsAsync(HttpRequest request, string group) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            var topic = Query.Text(request.Query, "topic");
            if (topic is not null)
            {
                CheckTopic(caller, topic);
            }

            var offsets = await _engine.GetGroupOffsetsAsync(group, topic, cancellationToken).ConfigureAwait(false);
            var visible = offsets.Where(o => caller.CanAccessTopic(o.Topic)).ToList();
            return Json(w => ResponseJson.WriteGroupOffsets(w, group, visible));
        });

    /// <summary><c>GET /api/groups</c>.</summary>
    public Task<IResult> ListGroupsAsync(HttpRequest request) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            var groups = await _engine.ListGroupsAsync(cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteGroups(w, groups));
        });

    /// <summary><c>GET /api/groups/{group}</c>: the group's state and live members, what each owns and is to own.</summary>
    public Task<IResult> DescribeGroupAsync(HttpRequest request, string group) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            var description = await _engine.DescribeGroupAsync(group, cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteGroup(w, description, caller.CanAccessTopic));
        });

    /// <summary><c>DELETE /api/groups/{group}</c> → 204.</summary>
    public Task<IResult> DeleteGroupAsync(HttpRequest request, string group) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            await _engine.DeleteGroupAsync(group, cancellationToken).ConfigureAwait(false);
            return Results.NoContent();
        });

    /// <summary>The session timeout of a member that names none: Kafka's <c>session.timeout.ms</c> default.</summary>
    public const int DefaultSessionTimeoutMs = 45_000;

    /// <summary><c>POST /api/groups/{group}/members</c> → 201: a new member, subscribed to <c>topics</c>, and what it owns.</summary>
    public Task<IResult> JoinGroupAsync(HttpRequest request, string group) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            using var json = JsonBody.Parse(body.Memory, "topics", "sessionTimeoutMs");
            if (JsonBody.Field(json.Root, "topics") is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() == 0)
            {
                throw JsonBody.Invalid("'topics' must be a non-empty array of topic names.");
            }

            var topics = new List<string>();
            foreach (var entry in array.EnumerateArray())
            {
                var topic = entry.ValueKind == JsonValueKind.String ? JsonBody.Text(entry, "topics") : throw JsonBody.Invalid("'topics' must hold topic names.");
                CheckTopic(caller, topic);
                topics.Add(topic);
            }

            var timeout = JsonBody.Int64(json.Root, "sessionTimeoutMs") ?? DefaultSessionTimeoutMs;
            if (timeout is < GroupLimits.MinSessionTimeoutMs or > GroupLimits.MaxSessionTimeoutMs)
            {
                throw JsonBody.Invalid($"'sessionTimeoutMs' must be from {GroupLimits.MinSessionTimeoutMs} to {GroupLimits.MaxSessionTimeoutMs}.");
            }

            var assignment = await _engine.JoinGroupAsync(group, topics, TimeSpan.FromMilliseconds(timeout), cancellationToken).ConfigureAwait(false);
            Log.Joined(_logger, assignment.MemberId, group, assignment.Generation);
            return new JsonResponse(StatusCodes.Status201Created, w => ResponseJson.WriteAssignment(w, assignment));
        });

    /// <summary>
    /// <c>POST /api/groups/{group}/members/{member}/heartbeat</c>: keeps the session, releases the partitions in
    /// <c>released</c> (an empty body releases none), answers what the member owns now.
    /// </summary>
    public Task<IResult> HeartbeatAsync(HttpRequest request, string group, string member) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            var released = new List<TopicPartition>();
            if (body.Memory.Length > 0)
            {
                using var json = JsonBody.Parse(body.Memory, "released");
                if (JsonBody.Field(json.Root, "released") is { } array)
                {
                    if (array.ValueKind != JsonValueKind.Array)
                    {
                        throw JsonBody.Invalid("'released' must be an array of {topic, partition}.");
                    }

                    foreach (var entry in array.EnumerateArray())
                    {
                        if (entry.ValueKind != JsonValueKind.Object || entry.EnumerateObject().Any(p => p.Name is not ("topic" or "partition")))
                        {
                            throw JsonBody.Invalid($"released[{released.Count}] must be an object of topic and partition.");
                        }

                        var topic = JsonBody.String(entry, "topic") ?? throw JsonBody.Invalid($"released[{released.Count}].topic is required.");
                        CheckTopic(caller, topic);
                        var partition = JsonBody.Int32(entry, "partition", ErrorCode.InvalidRequest, $"released[{released.Count}].partition is out of range.")
                            ?? throw JsonBody.Invalid($"released[{released.Count}].partition is required.");
                        released.Add(new TopicPartition(topic, partition));
                    }
                }
            }

            var assignment = await _engine.HeartbeatAsync(group, member, released, cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteAssignment(w, assignment));
        });

    /// <summary><c>DELETE /api/groups/{group}/members/{member}</c> → 204: the member leaves; its partitions go to the others.</summary>
    public Task<IResult> LeaveGroupAsync(HttpRequest request, string group, string member) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckGroup(group);
            await _engine.LeaveGroupAsync(group, member, cancellationToken).ConfigureAwait(false);
            Log.Left(_logger, member, group);
            return Results.NoContent();
        });
}

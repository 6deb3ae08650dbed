using Cloud.Log.Api.Json;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>Topics: create, list, describe, alter configs, add partitions, delete.</summary>
public sealed partial class CloudLogHttpApi
{
    /// <summary><c>POST /api/topics</c> → 201 with the description.</summary>
    public Task<IResult> CreateTopicAsync(HttpRequest request) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            using var json = JsonBody.Parse(body.Memory, "name", "partitions", "replicationFactor", "configs");
            var name = JsonBody.String(json.Root, "name") ?? throw new Core.CloudLogException(ErrorCode.InvalidTopic, "'name' is required.");
            CheckTopic(caller, name);
            var partitions = JsonBody.Int32(json.Root, "partitions", ErrorCode.InvalidPartitions, "'partitions' must be 1 to 10000.") ?? 1;
            var replicationFactor = JsonBody.Int32(json.Root, "replicationFactor", ErrorCode.InvalidReplicationFactor, "'replicationFactor' is out of range.");
            var configs = JsonBody.Configs(json.Root, "configs", allowNull: false).ToDictionary(c => c.Key, c => c.Value!);
            var topic = await _engine.CreateTopicAsync(name, partitions, replicationFactor, configs, cancellationToken).ConfigureAwait(false);
            Log.TopicCreated(_logger, topic.Name, topic.Partitions.Count, topic.ReplicationFactor);
            return new JsonResponse(201, w => ResponseJson.WriteTopic(w, topic));
        });

    /// <summary><c>GET /api/topics</c>: the topics the caller may see, by name.</summary>
    public Task<IResult> ListTopicsAsync(HttpRequest request) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            var topics = await _engine.ListTopicsAsync(cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteTopicList(w, topics.Where(t => caller.CanAccessTopic(t.Name))));
        });

    /// <summary><c>GET /api/topics/{topic}</c>.</summary>
    public Task<IResult> DescribeTopicAsync(HttpRequest request, string topic) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            var description = await _engine.DescribeTopicAsync(topic, includeSizes: true, cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteTopic(w, description));
        });

    /// <summary><c>PATCH /api/topics/{topic}/configs</c>: null returns a config to its default.</summary>
    public Task<IResult> AlterTopicConfigsAsync(HttpRequest request, string topic) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            using var json = JsonBody.Parse(body.Memory, "configs");
            if (JsonBody.Field(json.Root, "configs") is null)
            {
                throw JsonBody.Invalid("'configs' is required.");
            }

            var changes = JsonBody.Configs(json.Root, "configs", allowNull: true);
            var description = await _engine.AlterTopicConfigsAsync(topic, changes, cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteTopic(w, description));
        });

    /// <summary><c>POST /api/topics/{topic}/partitions</c> with <c>{"count": n}</c>.</summary>
    public Task<IResult> AddPartitionsAsync(HttpRequest request, string topic) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            using var body = await ReadBodyAsync(request).ConfigureAwait(false);
            using var json = JsonBody.Parse(body.Memory, "count");
            var count = JsonBody.Int32(json.Root, "count", ErrorCode.InvalidPartitions, "'count' must be above the current count and at most 10000.")
                ?? throw JsonBody.Invalid("'count' is required.");
            var description = await _engine.AddPartitionsAsync(topic, count, cancellationToken).ConfigureAwait(false);
            return Json(w => ResponseJson.WriteTopic(w, description));
        });

    /// <summary><c>DELETE /api/topics/{topic}</c> → 204.</summary>
    public Task<IResult> DeleteTopicAsync(HttpRequest request, string topic) =>
        HandleAsync(request, async (caller, cancellationToken) =>
        {
            CheckTopic(caller, topic);
            await _engine.DeleteTopicAsync(topic, cancellationToken).ConfigureAwait(false);
            Log.TopicDeleted(_logger, topic);
            return Results.NoContent();
        });
}

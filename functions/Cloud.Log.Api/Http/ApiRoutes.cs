using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cloud.Log.Api.Http;

/// <summary>
/// The contract's endpoints, once: the standalone server maps this table, the function app has one
/// function per row (a test compares the two), and the OpenAPI document lists the same routes.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The base path of every route.</summary>
    public const string Prefix = "api";

    /// <summary>Every endpoint of the contract.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
    [
        new("CreateTopic", "POST", "topics", ApiAccess.Admin, (api, r, _) => api.CreateTopicAsync(r)),
        new("ListTopics", "GET", "topics", ApiAccess.Describe, (api, r, _) => api.ListTopicsAsync(r)),
        new("DescribeTopic", "GET", "topics/{topic}", ApiAccess.Describe, (api, r, v) => api.DescribeTopicAsync(r, Value(v, "topic"))),
        new("DeleteTopic", "DELETE", "topics/{topic}", ApiAccess.Admin, (api, r, v) => api.DeleteTopicAsync(r, Value(v, "topic"))),
        new("AlterTopicConfigs", "PATCH", "topics/{topic}/configs", ApiAccess.Admin, (api, r, v) => api.AlterTopicConfigsAsync(r, Value(v, "topic"))),
        new("AddPartitions", "POST", "topics/{topic}/partitions", ApiAccess.Admin, (api, r, v) => api.AddPartitionsAsync(r, Value(v, "topic"))),
        new("Produce", "POST", "topics/{topic}/records", ApiAccess.Produce, (api, r, v) => api.ProduceAsync(r, Value(v, "topic"))),
        new("InitProducer", "POST", "producers", ApiAccess.Produce, (api, r, _) => api.InitProducerAsync(r)),
        new("Fetch", "GET", "topics/{topic}/partitions/{partition}/records", ApiAccess.Consume, (api, r, v) => api.FetchAsync(r, Value(v, "topic"), Value(v, "partition"))),
        new("FetchPartitions", "POST", "fetch", ApiAccess.Consume, (api, r, _) => api.FetchPartitionsAsync(r)),
        new("ListOffsets", "GET", "topics/{topic}/partitions/{partition}/offsets", ApiAccess.Consume, (api, r, v) => api.ListOffsetsAsync(r, Value(v, "topic"), Value(v, "partition"))),
        new("CommitGroupOffsets", "POST", "groups/{group}/offsets", ApiAccess.Consume, (api, r, v) => api.CommitGroupOffsetsAsync(r, Value(v, "group"))),
        new("GetGroupOffsets", "GET", "groups/{group}/offsets", ApiAccess.Consume, (api, r, v) => api.GetGroupOffsetsAsync(r, Value(v, "group"))),
        new("ListGroups", "GET", "groups", ApiAccess.Consume, (api, r, _) => api.ListGroupsAsync(r)),
        new("DescribeGroup", "GET", "groups/{group}", ApiAccess.Consume, (api, r, v) => api.DescribeGroupAsync(r, Value(v, "group"))),
        new("DeleteGroup", "DELETE", "groups/{group}", ApiAccess.Admin, (api, r, v) => api.DeleteGroupAsync(r, Value(v, "group"))),
        new("JoinGroup", "POST", "groups/{group}/members", ApiAccess.Consume, (api, r, v) => api.JoinGroupAsync(r, Value(v, "group"))),
        new("Heartbeat", "POST", "groups/{group}/members/{member}/heartbeat", ApiAccess.Consume, (api, r, v) => api.HeartbeatAsync(r, Value(v, "group"), Value(v, "member"))),
        new("LeaveGroup", "DELETE", "groups/{group}/members/{member}", ApiAccess.Consume, (api, r, v) => api.LeaveGroupAsync(r, Value(v, "group"), Value(v, "member"))),
        new("Health", "GET", "health", ApiAccess.Anonymous, (api, r, _) => api.HealthAsync(r)),
        new("OpenApi", "GET", "openapi.json", ApiAccess.Anonymous, (api, r, _) => api.OpenApiAsync(r)),
    ];

    private static readonly FrozenDictionary<string, ApiRoute> ByHandler = All.ToFrozenDictionary(r => r.Name + "Async", StringComparer.Ordinal);

    /// <summary>
    /// The route served by the <see cref="CloudLogHttpApi"/> method <paramref name="handlerName"/>: the method of
    /// a route is its name with <c>Async</c> (a test holds every public handler to a row).
    /// </summary>
    internal static ApiRoute ForHandler(string handlerName) =>
        ByHandler.TryGetValue(handlerName, out var route) ? route : throw new InvalidOperationException($"No route of the table is served by '{handlerName}'.");

    private static string Value(RouteValueDictionary values, string name) => values[name] as string ?? "";
}

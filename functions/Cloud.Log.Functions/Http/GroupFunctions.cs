using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Http;

/// <summary>The consumer group endpoints (offsets and membership): bind, call <see cref="CloudLogHttpApi"/>, return.</summary>
public sealed class GroupFunctions(CloudLogHttpApi api)
{
    /// <summary><c>POST /api/groups/{group}/offsets</c>.</summary>
    [Function("CommitGroupOffsets")]
    public Task<IResult> CommitGroupOffsetsAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "groups/{group}/offsets")] HttpRequest request, string group) =>
        api.CommitGroupOffsetsAsync(request, group);

    /// <summary><c>GET /api/groups/{group}/offsets</c>.</summary>
    [Function("GetGroupOffsets")]
    public Task<IResult> GetGroupOffsetsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "groups/{group}/offsets")] HttpRequest request, string group) =>
        api.GetGroupOffsetsAsync(request, group);

    /// <summary><c>GET /api/groups</c>.</summary>
    [Function("ListGroups")]
    public Task<IResult> ListGroupsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "groups")] HttpRequest request) =>
        api.ListGroupsAsync(request);

    /// <summary><c>GET /api/groups/{group}</c>.</summary>
    [Function("DescribeGroup")]
    public Task<IResult> DescribeGroupAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "groups/{group}")] HttpRequest request, string group) =>
        api.DescribeGroupAsync(request, group);

    /// <summary><c>DELETE /api/groups/{group}</c>.</summary>
    [Function("DeleteGroup")]
    public Task<IResult> DeleteGroupAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "groups/{group}")] HttpRequest request, string group) =>
        api.DeleteGroupAsync(request, group);

    /// <summary><c>POST /api/groups/{group}/members</c>.</summary>
    [Function("JoinGroup")]
    public Task<IResult> JoinGroupAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "groups/{group}/members")] HttpRequest request, string group) =>
        api.JoinGroupAsync(request, group);

    /// <summary><c>POST /api/groups/{group}/members/{member}/heartbeat</c>.</summary>
    [Function("Heartbeat")]
    public Task<IResult> HeartbeatAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "groups/{group}/members/{member}/heartbeat")] HttpRequest request, string group, string member) =>
        api.HeartbeatAsync(request, group, member);

    /// <summary><c>DELETE /api/groups/{group}/members/{member}</c>.</summary>
    [Function("LeaveGroup")]
    public Task<IResult> LeaveGroupAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "groups/{group}/members/{member}")] HttpRequest request, string group, string member) =>
        api.LeaveGroupAsync(request, group, member);
}

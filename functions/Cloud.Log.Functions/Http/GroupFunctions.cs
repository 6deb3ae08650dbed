using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Http;

/// <summary>The consumer group endpoints: bind, call <see cref="CloudLogHttpApi"/>, return.</summary>
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

    /// <summary><c>DELETE /api/groups/{group}</c>.</summary>
    [Function("DeleteGroup")]
    public Task<IResult> DeleteGroupAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "groups/{group}")] HttpRequest request, string group) =>
        api.DeleteGroupAsync(request, group);
}

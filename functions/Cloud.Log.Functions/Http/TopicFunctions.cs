using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Http;

/// <summary>The topic endpoints: bind, call <see cref="CloudLogHttpApi"/>, return.</summary>
public sealed class TopicFunctions(CloudLogHttpApi api)
{
    /// <summary><c>POST /api/topics</c>.</summary>
    [Function("CreateTopic")]
    public Task<IResult> CreateTopicAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "topics")] HttpRequest request) =>
        api.CreateTopicAsync(request);

    /// <summary><c>GET /api/topics</c>.</summary>
    [Function("ListTopics")]
    public Task<IResult> ListTopicsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "topics")] HttpRequest request) =>
        api.ListTopicsAsync(request);

    /// <summary><c>GET /api/topics/{topic}</c>.</summary>
    [Function("DescribeTopic")]
    public Task<IResult> DescribeTopicAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "topics/{topic}")] HttpRequest request, string topic) =>
        api.DescribeTopicAsync(request, topic);

    /// <summary><c>DELETE /api/topics/{topic}</c>.</summary>
    [Function("DeleteTopic")]
    public Task<IResult> DeleteTopicAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "topics/{topic}")] HttpRequest request, string topic) =>
        api.DeleteTopicAsync(request, topic);

    /// <summary><c>PATCH /api/topics/{topic}/configs</c>.</summary>
    [Function("AlterTopicConfigs")]
    public Task<IResult> AlterTopicConfigsAsync([HttpTrigger(AuthorizationLevel.Function, "patch", Route = "topics/{topic}/configs")] HttpRequest request, string topic) =>
        api.AlterTopicConfigsAsync(request, topic);

    /// <summary><c>POST /api/topics/{topic}/partitions</c>.</summary>
    [Function("AddPartitions")]
    public Task<IResult> AddPartitionsAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "topics/{topic}/partitions")] HttpRequest request, string topic) =>
        api.AddPartitionsAsync(request, topic);
}

using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Http;

/// <summary>The record endpoints: bind, call <see cref="CloudLogHttpApi"/>, return.</summary>
public sealed class RecordFunctions(CloudLogHttpApi api)
{
    /// <summary><c>POST /api/topics/{topic}/records</c>.</summary>
    [Function("Produce")]
    public Task<IResult> ProduceAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "topics/{topic}/records")] HttpRequest request, string topic) =>
        api.ProduceAsync(request, topic);

    /// <summary><c>POST /api/producers</c>.</summary>
    [Function("InitProducer")]
    public Task<IResult> InitProducerAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "producers")] HttpRequest request) =>
        api.InitProducerAsync(request);

    /// <summary><c>GET /api/topics/{topic}/partitions/{partition}/records</c>.</summary>
    [Function("Fetch")]
    public Task<IResult> FetchAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "topics/{topic}/partitions/{partition}/records")] HttpRequest request, string topic, string partition) =>
        api.FetchAsync(request, topic, partition);

    /// <summary><c>POST /api/fetch</c>: several partitions in one request.</summary>
    [Function("FetchPartitions")]
    public Task<IResult> FetchPartitionsAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "fetch")] HttpRequest request) =>
        api.FetchPartitionsAsync(request);

    /// <summary><c>GET /api/topics/{topic}/partitions/{partition}/offsets</c>.</summary>
    [Function("ListOffsets")]
    public Task<IResult> ListOffsetsAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "topics/{topic}/partitions/{partition}/offsets")] HttpRequest request, string topic, string partition) =>
        api.ListOffsetsAsync(request, topic, partition);
}

using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Http;

/// <summary>The service endpoints, open without a key: health probes and the contract document.</summary>
public sealed class ServiceFunctions(CloudLogHttpApi api)
{
    /// <summary><c>GET /api/health</c>.</summary>
    [Function("Health")]
    public Task<IResult> HealthAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        api.HealthAsync(request);

    /// <summary><c>GET /api/openapi.json</c>.</summary>
    [Function("OpenApi")]
    public Task<IResult> OpenApiAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        api.OpenApiAsync(request);
}

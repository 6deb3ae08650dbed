using System.Reflection;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>The service endpoints: health and the OpenAPI document.</summary>
public sealed partial class CloudLogHttpApi
{
    private static readonly Lazy<byte[]> OpenApiDocument = new(() =>
    {
        using var stream = typeof(CloudLogHttpApi).Assembly.GetManifestResourceStream("Cloud.Log.Api.openapi.json")
            ?? throw new InvalidOperationException("The OpenAPI document is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>The OpenAPI 3 document of the contract, as served at <c>/api/openapi.json</c>.</summary>
    public static ReadOnlyMemory<byte> OpenApiJson => OpenApiDocument.Value;

    /// <summary><c>GET /api/health</c>: 200 when every storage location answers, else 503 naming the ones that do not.</summary>
    public Task<IResult> HealthAsync(HttpRequest request) =>
        HandleAsync(request, async (_, cancellationToken) =>
        {
            var locations = await _engine.CheckHealthAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            var healthy = locations.All(l => l.Healthy);
            if (!healthy)
            {
                request.HttpContext.Response.Headers.RetryAfter = "5";
            }

            return new JsonResponse(healthy ? 200 : 503, w =>
            {
                w.WriteStartObject();
                w.WriteString("status", healthy ? "ok" : "unavailable");
                if (!healthy)
                {
                    w.WriteString("code", ErrorCode.StorageUnavailable.ToWireName());
                }

                w.WriteStartArray("locations");
                foreach (var location in locations)
                {
                    w.WriteStartObject();
                    w.WriteString("name", location.Name);
                    w.WriteString("status", location.Healthy ? "ok" : "unavailable");
                    if (location.Error is { } error)
                    {
                        w.WriteString("error", error);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            });
        });

    /// <summary><c>GET /api/openapi.json</c>.</summary>
    public Task<IResult> OpenApiAsync(HttpRequest request) =>
        HandleAsync(request, (_, _) => Task.FromResult(Results.Bytes(OpenApiJson.ToArray(), "application/json")));
}

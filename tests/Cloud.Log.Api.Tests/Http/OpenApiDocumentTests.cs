using System.Text.Json;
using Cloud.Log.Api.Http;

namespace Cloud.Log.Api.Tests.Http;

/// <summary>The OpenAPI document and the route table describe the same contract.</summary>
public class OpenApiDocumentTests
{
    private static readonly JsonElement Document = JsonDocument.Parse(CloudLogHttpApi.OpenApiJson).RootElement;

    /// <summary>Every route the hosts serve is in the document, under its name as operationId, and the document has no route they do not serve.</summary>
    [Fact]
    public void Document_and_route_table_list_the_same_operations()
    {
        var documented = Document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name != "parameters")
                .Select(op => (Path: path.Name, Method: op.Name.ToUpperInvariant(), Id: op.Value.GetProperty("operationId").GetString())))
            .OrderBy(x => x.Id, StringComparer.Ordinal)
            .ToList();
        var served = ApiRoutes.All
            .Select(r => (Path: "/" + ApiRoutes.Prefix + "/" + r.Template, r.Method, Id: (string?)r.Name))
            .OrderBy(x => x.Id, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(served, documented);
    }

    /// <summary>Every error the document names in its Problem schema is a code the service can answer.</summary>
    [Fact]
    public void Problem_codes_cover_every_error_code()
    {
        var documented = Document.GetProperty("components").GetProperty("schemas").GetProperty("Problem").GetProperty("properties").GetProperty("code").GetProperty("enum")
            .EnumerateArray().Select(c => c.GetString()).ToHashSet();
        foreach (var code in Enum.GetValues<Cloud.Log.Protocol.Errors.ErrorCode>())
        {
            Assert.Contains(Cloud.Log.Protocol.Errors.ErrorCodeExtensions.ToWireName(code), documented);
        }
    }

    /// <summary>Anonymous routes are marked as needing no credentials; all others inherit the document's security.</summary>
    [Fact]
    public void Anonymous_routes_need_no_credentials()
    {
        foreach (var route in ApiRoutes.All)
        {
            var operation = Document.GetProperty("paths").GetProperty("/api/" + route.Template).GetProperty(route.Method.ToLowerInvariant());
            var open = operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
            Assert.Equal(route.Access == ApiAccess.Anonymous, open);
        }
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cloud.Log.Console;

/// <summary>Maps the console into an ASP.NET Core host (the standalone server).</summary>
public static class ConsoleEndpointRouteBuilderExtensions
{
    /// <summary>The path the console is served at.</summary>
    public const string Path = "/console";

    /// <summary>Serves the embedded console at <c>/console/</c> (GET and HEAD, no credentials: the page asks for them).</summary>
    public static IEndpointConventionBuilder MapCloudLogConsole(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapMethods(Path + "/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpRequest request, string? path) => ConsoleFiles.Embedded.Serve(request, path))
            .WithName("Console");
    }
}

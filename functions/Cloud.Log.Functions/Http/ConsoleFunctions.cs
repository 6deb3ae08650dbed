using Cloud.Log.Console;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cloud.Log.Functions.Http;

/// <summary>The web console's files (<see cref="ConsoleFiles"/>), the same bytes the standalone server serves.</summary>
public sealed class ConsoleFunctions
{
    private readonly ConsoleFiles _files = ConsoleFiles.Embedded;

    /// <summary><c>GET /api/console/{*path}</c>: open, as the page itself holds no data; it asks for a function key.</summary>
    [Function("Console")]
    public Task<IResult> ConsoleAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "console/{*path}")] HttpRequest request, string? path) =>
        Task.FromResult(_files.Serve(request, path));
}

using System.Net;
using Cloud.Log.Api.Contract;
using Cloud.Log.Functions.Http;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Cloud.Log.Console.Tests;

/// <summary>
/// The function app's <c>Console</c> HTTP function, invoked directly as the Functions host would (the host
/// cannot run here): it answers the same files as the standalone server, and the page it serves works in
/// the browser against the API.
/// </summary>
public sealed class FunctionConsoleTests(StorageFixture storage, ConsoleBrowser browser) : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync(storage);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Every console file comes from the function with the bytes, media type and entity tag the server sends.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Function_serves_the_same_files_as_the_server()
    {
        Assert.Contains("index.html", ConsoleFiles.Embedded.Paths);
        foreach (var path in ConsoleFiles.Embedded.Paths)
        {
            var fromFunction = await InvokeAsync("GET", "/api/console/" + path, path);
            using var fromServer = await _server.Client.GetAsync(new Uri("/console/" + path, UriKind.Relative));
            Assert.Equal(200, fromFunction.Status);
            Assert.Equal(HttpStatusCode.OK, fromServer.StatusCode);
            Assert.Equal(await fromServer.Content.ReadAsByteArrayAsync(), fromFunction.Body);
            Assert.Equal(fromServer.Content.Headers.ContentType!.ToString(), fromFunction.Headers["Content-Type"]);
            Assert.Equal(fromServer.Headers.ETag!.ToString(), fromFunction.Headers["ETag"]);
            Assert.Equal(string.Join(",", fromServer.Headers.GetValues("Content-Security-Policy")), fromFunction.Headers["Content-Security-Policy"]);
        }

        var root = await InvokeAsync("GET", "/api/console", null);
        Assert.Equal(302, root.Status);
        Assert.Equal("/api/console/", root.Headers["Location"]);
        var index = await InvokeAsync("GET", "/api/console/", null);
        Assert.Equal(200, index.Status);
        Assert.StartsWith("text/html", index.Headers["Content-Type"], StringComparison.Ordinal);
        var missing = await InvokeAsync("GET", "/api/console/nope.js", "nope.js");
        Assert.Equal(404, missing.Status);
        Assert.Equal("application/problem+json", missing.Headers["Content-Type"]);
    }

    /// <summary>The page the function serves, loaded in the browser, lists the topics from the API beside it.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Page_served_by_the_function_works_in_the_browser()
    {
        await _server.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"console-from-function"}""");
        var page = await browser.NewPageAsync();
        var origin = _server.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);
        var served = 0;
        // Requests for the console go to the function class; everything else (the API) to the server.
        await page.RouteAsync(origin + "/api/console/**", async route =>
        {
            var url = new Uri(route.Request.Url);
            var path = url.AbsolutePath["/api/console/".Length..];
            var answer = await InvokeAsync(route.Request.Method, url.AbsolutePath, path.Length == 0 ? null : path);
            Interlocked.Increment(ref served);
            await route.FulfillAsync(new RouteFulfillOptions { Status = answer.Status, Headers = answer.Headers, BodyBytes = answer.Body });
        });
        await page.GotoAsync(origin + "/api/console/");
        await Assertions.Expect(page.Locator("#topics tr[data-topic='console-from-function']")).ToBeVisibleAsync();
        Assert.True(served >= 4, $"{served} files served by the function");
        await ConsoleBrowser.ScreenshotAsync(page, "topics-from-function");
        Assert.Empty(browser.ErrorsOf(page));
    }

    private sealed record Answer(int Status, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>Calls <see cref="ConsoleFunctions.ConsoleAsync"/> with a request for <paramref name="requestPath"/> and the route's <paramref name="path"/>, and executes its result.</summary>
    private static async Task<Answer> InvokeAsync(string method, string requestPath, string? path)
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var _ = services;
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = requestPath;
        var body = new MemoryStream();
        context.Response.Body = body;
        var result = await new ConsoleFunctions().ConsoleAsync(context.Request, path);
        await result.ExecuteAsync(context);
        var headers = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new Answer(context.Response.StatusCode, headers, body.ToArray());
    }
}

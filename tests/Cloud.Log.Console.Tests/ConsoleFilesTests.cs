using System.Net;
using System.Net.Http.Headers;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Console.Tests;

/// <summary>The embedded files and how the standalone server serves them at /console.</summary>
public sealed class ConsoleFilesTests(StorageFixture storage) : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync(storage);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Every file of the app's source folder is embedded, byte for byte, and nothing else.</summary>
    [Fact]
    public void Every_source_file_is_embedded_as_it_is()
    {
        var root = SourceRoot();
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(files, ConsoleFiles.Embedded.Paths.Order(StringComparer.Ordinal));
        foreach (var path in files)
        {
            Assert.True(ConsoleFiles.Embedded.TryGetFile(path, out var file));
            Assert.Equal(File.ReadAllBytes(Path.Combine(root, path)), file.Content.ToArray());
        }
    }

    /// <summary>/console redirects to /console/, which is the page, with its media type, security headers and an entity tag a browser revalidates with (304).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Console_root_redirects_and_files_revalidate_by_entity_tag()
    {
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.Client.BaseAddress };
        using var redirect = await noRedirect.GetAsync(new Uri("/console?api=x", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/console/?api=x", redirect.Headers.Location!.OriginalString);

        using var page = await _server.Client.GetAsync(new Uri("/console/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType!.ToString());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("<script type=\"module\" src=\"js/app.js\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var script = await _server.Client.GetAsync(new Uri("/console/js/app.js", UriKind.Relative));
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType!.ToString());
        using var again = new HttpRequestMessage(HttpMethod.Get, "/console/js/app.js");
        again.Headers.IfNoneMatch.Add(script.Headers.ETag!);
        using var notModified = await _server.Client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var head = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/console/css/console.css"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("text/css; charset=utf-8", head.Content.Headers.ContentType!.ToString());
    }

    /// <summary>A file that is not there is a 404 problem; the console's files need no key; other methods are refused.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Unknown_files_are_404_problems_and_other_methods_405()
    {
        await _server.Client.ProblemAsync(HttpMethod.Get, "/console/js/missing.js", 404, "NOT_FOUND");
        await _server.Client.ProblemAsync(HttpMethod.Get, "/console/..%2Fappsettings.json", 404, "NOT_FOUND");
        await _server.Client.ProblemAsync(HttpMethod.Post, "/console/index.html", 405, "METHOD_NOT_ALLOWED", "{}");
        await using var secured = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Auth:ApiKeys:0:Name"] = "ops",
            ["CloudLog:Auth:ApiKeys:0:Key"] = "secret",
            ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
        });
        using var open = await secured.Client.GetAsync(new Uri("/console/index.html", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(MediaTypeHeaderValue.Parse("text/html; charset=utf-8"), open.Content.Headers.ContentType);
    }

    private static string SourceRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "functions", "Cloud.Log.Console", "wwwroot");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("functions/Cloud.Log.Console/wwwroot not found above the test output.");
    }
}

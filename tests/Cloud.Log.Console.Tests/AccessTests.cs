using System.Net;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Cloud.Log.Console.Tests;

/// <summary>
/// The console with an API key configured (401 shown as a sign-in prompt; the key kept for the tab's
/// session), and from another origin: allowed where the server's CORS settings name that origin, refused
/// (and said so) elsewhere.
/// </summary>
public sealed class AccessTests(StorageFixture storage, ConsoleBrowser browser)
{
    private const string Key = "console-admin-secret";

    /// <summary>Without a key the API answers 401 and the console asks to sign in; a wrong key asks again; the right key shows the topics and lasts the session.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Console_asks_for_the_key_on_401_and_keeps_it_for_the_session()
    {
        await using var server = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Auth:ApiKeys:0:Name"] = "ops",
            ["CloudLog:Auth:ApiKeys:0:Key"] = Key,
            ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
        });
        var (status, _) = await server.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"console-secured"}""", new Dictionary<string, string> { ["x-api-key"] = Key });
        Assert.Equal(HttpStatusCode.Created, status);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/console/").ToString());
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sign-in-reason")).ToContainTextAsync("401 UNAUTHORIZED");
        await ConsoleBrowser.ScreenshotAsync(page, "sign-in");

        await page.FillAsync("#sign-in-key", "a-wrong-key");
        await page.ClickAsync("#sign-in-submit");
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sign-in-reason")).ToContainTextAsync("401 UNAUTHORIZED");

        await page.FillAsync("#sign-in-key", Key);
        await page.ClickAsync("#sign-in-submit");
        await Assertions.Expect(page.Locator("#sign-in")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#topics tr[data-topic='console-secured']")).ToBeVisibleAsync();
        Assert.Equal(Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('cloudlog.key')"));
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('cloudlog.key')"));

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#topics tr[data-topic='console-secured']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#sign-in")).ToBeHiddenAsync();

        // A link that points the console at another endpoint does not carry the key there.
        var consoleUrl = new Uri(server.Client.BaseAddress!, "/console/").ToString();
        await page.GotoAsync(consoleUrl + "?api=" + Uri.EscapeDataString(new Uri(server.Client.BaseAddress!, "/api/").ToString()));
        Assert.Equal(Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('cloudlog.key')"));
        await page.GotoAsync(consoleUrl + "?api=" + Uri.EscapeDataString("http://127.0.0.1:9/api/"));
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('cloudlog.key')"));
        await page.GotoAsync(consoleUrl + "?api=" + Uri.EscapeDataString(new Uri(server.Client.BaseAddress!, "/api/").ToString()));
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await page.FillAsync("#sign-in-key", Key);
        await page.ClickAsync("#sign-in-submit");
        await Assertions.Expect(page.Locator("#topics tr[data-topic='console-secured']")).ToBeVisibleAsync();

        // Signing out forgets the key: the next call is 401 again.
        await page.ClickAsync("#sign-in-button");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('cloudlog.key')"));
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#sign-in")).ToBeVisibleAsync();

        // A new tab's session has no key.
        var other = await page.Context.NewPageAsync();
        await other.GotoAsync(new Uri(server.Client.BaseAddress!, "/console/").ToString());
        await Assertions.Expect(other.Locator("#sign-in")).ToBeVisibleAsync();
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>A console served from an origin the server's CORS settings allow calls the API there; from any other origin the browser refuses, and the console says why.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Console_on_another_origin_works_only_where_cors_allows_it()
    {
        await using var allowedHost = await StartConsoleOnlyHostAsync();
        await using var refusedHost = await StartConsoleOnlyHostAsync();
        var allowedOrigin = allowedHost.Origin;
        await using var server = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Cors:AllowedOrigins:0"] = allowedOrigin,
        });
        await server.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"console-cors"}""");
        var api = Uri.EscapeDataString(new Uri(server.Client.BaseAddress!, "/api/").ToString());

        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{allowedOrigin}/console/?api={api}");
        await Assertions.Expect(page.Locator("#topics tr[data-topic='console-cors']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#endpoint")).ToHaveTextAsync(new Uri(server.Client.BaseAddress!, "/api/").ToString());

        var refused = await browser.NewPageAsync();
        await refused.GotoAsync($"{refusedHost.Origin}/console/?api={api}");
        await Assertions.Expect(refused.Locator("#error")).ToContainTextAsync("CORS");
        await Assertions.Expect(refused.Locator("#topics")).ToHaveCountAsync(0);
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>A host that serves only the console (MapCloudLogConsole), on a loopback port of its own: another origin.</summary>
    private static async Task<ConsoleOnlyHost> StartConsoleOnlyHostAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapCloudLogConsole();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ConsoleOnlyHost(app, address.TrimEnd('/'));
    }

    private sealed record ConsoleOnlyHost(WebApplication App, string Origin) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.Playwright;

namespace Cloud.Log.Console.Tests;

/// <summary>
/// A topic's life in the console against the real standalone server on Azurite: created with a config,
/// records produced from the form, found by offset, by timestamp and by a key filter, exported, seen in the
/// live tail (and not while it is paused), produced again, and deleted after a confirmation naming it.
/// </summary>
public sealed class TopicFlowTests(StorageFixture storage, ConsoleBrowser browser) : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync(storage);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private string ConsoleUrl => new Uri(_server.Client.BaseAddress!, "/console/").ToString();

    /// <summary>Create, produce, browse by offset and timestamp, filter, export, tail, produce again, delete: each checked against the REST API.</summary>
    [Fact(Timeout = 150_000)]
    public async Task Topic_is_created_fed_browsed_tailed_and_deleted_in_the_console()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(ConsoleUrl);
        await Assertions.Expect(page.Locator("#topics")).ToBeVisibleAsync();

        // Create, with a config.
        await page.FillAsync("#create-name", "console-orders");
        await page.FillAsync("#create-partitions", "2");
        await page.FillAsync("#create-configs", "retention.ms=3600000");
        await page.ClickAsync("#create-submit");
        await Assertions.Expect(page.Locator("#topic-name")).ToHaveTextAsync("console-orders");
        await Assertions.Expect(page.Locator("#partitions tbody tr")).ToHaveCountAsync(2);
        var (status, description) = await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-orders");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("3600000", description.GetProperty("configs").GetProperty("retention.ms").GetString());

        // Produce two records from the form into partition 1.
        await page.ClickAsync("[data-tab=produce]");
        await page.SelectOptionAsync("#produce-partition", "1");
        await page.FillAsync("#produce-key", "user-1");
        await page.FillAsync("#produce-value", """{"total":12.5}""");
        await page.CheckAsync("#produce-json");
        await page.FillAsync("#produce-headers", "source=web");
        await page.ClickAsync("#produce-submit");
        await Assertions.Expect(page.Locator("#produce-result")).ToContainTextAsync("partition 1 at offset 0");
        await Task.Delay(20); // the second record's timestamp is later than the first's
        await page.UncheckAsync("#produce-json");
        await page.FillAsync("#produce-key", "user-2");
        await page.FillAsync("#produce-value", "plain text");
        await page.FillAsync("#produce-headers", "");
        await page.ClickAsync("#produce-submit");
        await Assertions.Expect(page.Locator("#produce-result")).ToContainTextAsync("partition 1 at offset 1");
        var stored = await FetchAsync("console-orders", 1);
        Assert.Equal(["user-1", "user-2"], stored.Select(r => r.GetProperty("key").GetString()));
        Assert.Equal("""{"total":12.5}""", stored[0].GetProperty("value").GetString());
        Assert.Equal("web", stored[0].GetProperty("headers").GetProperty("source").GetString());
        var secondTimestamp = stored[1].GetProperty("timestamp").GetInt64();
        Assert.True(secondTimestamp > stored[0].GetProperty("timestamp").GetInt64());

        // "Show it" opens the browser at the record just produced.
        await page.ClickAsync("#produce-show");
        await Assertions.Expect(page.Locator("#records tr.record")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#records tr.record[data-offset='1'] td.key")).ToHaveTextAsync("user-2");

        // By offset, over both partitions: partition 1 from offset 1.
        await page.CheckAsync("#msg-partitions input[value='0']");
        await page.SelectOptionAsync("#msg-start", "offset");
        await page.FillAsync("#msg-offset", "1");
        await page.ClickAsync("#msg-load");
        await Assertions.Expect(page.Locator("#msg-status")).ToContainTextAsync("0@0, 1@1");
        await Assertions.Expect(page.Locator("#records tr.record")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#records tr.record td.value")).ToHaveTextAsync("plain text");

        // By timestamp: the second record's time finds it, not the first.
        await page.SelectOptionAsync("#msg-start", "timestamp");
        await page.FillAsync("#msg-time", secondTimestamp.ToString(CultureInfo.InvariantCulture));
        await page.ClickAsync("#msg-load");
        await Assertions.Expect(page.Locator("#msg-status")).ToContainTextAsync("1@1");
        await Assertions.Expect(page.Locator("#records tr.record")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#records tr.record td.key")).ToHaveTextAsync("user-2");

        // From the beginning, filtered on a key, shown as pretty JSON.
        await page.SelectOptionAsync("#msg-start", "beginning");
        await page.ClickAsync("#msg-load");
        await Assertions.Expect(page.Locator("#records tr.record")).ToHaveCountAsync(2);
        await page.FillAsync("#msg-filter", "user-1");
        await Assertions.Expect(page.Locator("#records tr.record")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#records tr.record td.key")).ToHaveTextAsync("user-1");
        await page.SelectOptionAsync("#msg-mode", "json");
        await Assertions.Expect(page.Locator("#records tr.record td.value pre.json")).ToHaveTextAsync("{\n  \"total\": 12.5\n}");
        await Assertions.Expect(page.Locator("#records tr.record td.headers")).ToHaveTextAsync("source: web");
        await ConsoleBrowser.ScreenshotAsync(page, "messages-filtered");

        // Export what is shown: one JSON line, the filtered record.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#msg-export"));
        var exported = await File.ReadAllLinesAsync(await download.PathAsync());
        var line = Assert.Single(exported);
        Assert.Equal("user-1", JsonDocument.Parse(line).RootElement.GetProperty("key").GetString());
        Assert.Equal("console-orders-records.jsonl", download.SuggestedFilename);

        // The live tail shows a record produced elsewhere, not while paused, and catches up on resume.
        await page.FillAsync("#msg-filter", "");
        await page.ClickAsync("#tail-toggle");
        await Assertions.Expect(page.Locator("#tail-state")).ToContainTextAsync("following 0@0, 1@2");
        await ProduceAsync("console-orders", """{"key":"tail-1","value":"first in the tail","partition":0}""");
        await Assertions.Expect(page.Locator("#tail-records tr.record td.key")).ToHaveTextAsync("tail-1");
        await ConsoleBrowser.ScreenshotAsync(page, "live-tail");
        await page.ClickAsync("#tail-toggle");
        await Assertions.Expect(page.Locator("#tail-state")).ToHaveTextAsync("paused");
        await ProduceAsync("console-orders", """{"key":"tail-2","value":"while paused","partition":1}""");
        await Task.Delay(1500);
        await Assertions.Expect(page.Locator("#tail-records tr.record")).ToHaveCountAsync(1);
        await page.ClickAsync("#tail-toggle");
        await Assertions.Expect(page.Locator("#tail-records tr.record")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#tail-records tr.record").First.Locator("td.key")).ToHaveTextAsync("tail-2");
        await page.ClickAsync("#tail-toggle");

        // Produce again from a shown record: the form comes filled; sending it appends a copy.
        await page.Locator("#records tr.record[data-offset='0'] .produce-again").ClickAsync();
        await Assertions.Expect(page.Locator("#produce-key")).ToHaveValueAsync("user-1");
        await Assertions.Expect(page.Locator("#produce-partition")).ToHaveValueAsync("1");
        await Assertions.Expect(page.Locator("#produce-headers")).ToHaveValueAsync("source=web");
        await page.ClickAsync("#produce-submit");
        await Assertions.Expect(page.Locator("#produce-result")).ToContainTextAsync("partition 1 at offset 3");
        var copy = (await FetchAsync("console-orders", 1))[3];
        Assert.Equal("user-1", copy.GetProperty("key").GetString());
        Assert.Equal("""{"total":12.5}""", copy.GetProperty("value").GetString());

        // Delete: the confirmation needs the topic's name typed.
        await page.ClickAsync("#delete-topic");
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Delete topic console-orders?");
        await page.FillAsync("#confirm-input", "console-order");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-orders")).Status);
        await page.FillAsync("#confirm-input", "console-orders");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("Topic console-orders deleted.");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#/topics$"));
        await Assertions.Expect(page.Locator("#topics")).ToContainTextAsync("No topics yet");
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-orders")).Status);
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>An API error is shown with its problem detail and code, and the view stays usable.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Api_errors_are_shown_with_their_problem_detail()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(ConsoleUrl);
        await page.FillAsync("#create-name", "console-bad-config");
        await page.FillAsync("#create-configs", "retention.ms=soon");
        await page.ClickAsync("#create-submit");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("INVALID_CONFIG");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("retention.ms");
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-bad-config")).Status);

        await page.GotoAsync(ConsoleUrl + "#/topics/no-such-topic/partitions");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("UNKNOWN_TOPIC_OR_PARTITION");
        Assert.Empty(browser.ErrorsOf(page));
    }

    private async Task ProduceAsync(string topic, string record)
    {
        var (status, _) = await _server.Client.JsonAsync(HttpMethod.Post, $"/api/topics/{topic}/records", $$"""{"records":[{{record}}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private async Task<JsonElement[]> FetchAsync(string topic, int partition)
    {
        var (status, body) = await _server.Client.JsonAsync(HttpMethod.Get, $"/api/topics/{topic}/partitions/{partition}/records?offset=0");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("records").EnumerateArray()];
    }
}

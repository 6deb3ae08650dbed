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

    /// <summary>Pages go forwards and backwards a page size at a time, the newest page ends at the high watermark, and binary values show as hex.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Browser_pages_both_ways_and_shows_binary_as_hex()
    {
        var (status, _) = await _server.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"console-pages","partitions":1}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var records = string.Join(",", Enumerable.Range(0, 6).Select(i => $$"""{"key":"k{{i}}","value":"v{{i}}"}""").Append("""{"keyBase64":"/wE=","valueBase64":"/wBIaQ=="}"""));
        (status, _) = await _server.Client.JsonAsync(HttpMethod.Post, "/api/topics/console-pages/records", $$"""{"records":[{{records}}]}""");
        Assert.Equal(HttpStatusCode.OK, status);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(ConsoleUrl + "#/topics/console-pages/messages");
        await page.FillAsync("#msg-size", "3");
        await page.ClickAsync("#msg-load");
        await ExpectOffsetsAsync(page, 0, 1, 2);
        await Assertions.Expect(page.Locator("#msg-prev")).ToBeDisabledAsync();
        await page.ClickAsync("#msg-next");
        await ExpectOffsetsAsync(page, 3, 4, 5);
        await page.ClickAsync("#msg-next");
        await ExpectOffsetsAsync(page, 6);
        await Assertions.Expect(page.Locator("#msg-next")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#records tr.record td.value pre.hex")).ToHaveTextAsync(new Regex(@"^00000000  ff 00 48 69 +\.\.Hi$"));
        await Assertions.Expect(page.Locator("#records tr.record td.key pre.hex")).ToHaveTextAsync(new Regex(@"^00000000  ff 01 +\.\.$"));
        await page.ClickAsync("#msg-prev");
        await ExpectOffsetsAsync(page, 3, 4, 5);
        await page.ClickAsync("#msg-prev");
        await ExpectOffsetsAsync(page, 0, 1, 2);
        await page.SelectOptionAsync("#msg-start", "newest");
        await page.ClickAsync("#msg-load");
        await ExpectOffsetsAsync(page, 4, 5, 6);
        await page.SelectOptionAsync("#msg-mode", "hex");
        await Assertions.Expect(page.Locator("#records tr.record[data-offset='4'] td.value pre.hex")).ToHaveTextAsync(new Regex("^00000000  76 34 +v4$"));
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>The configs tab sets an override and returns one to its default; the partitions tab raises the count, only upwards.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Configs_are_altered_and_partitions_added()
    {
        var (status, _) = await _server.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"console-admin","partitions":1,"configs":{"segment.ms":"3600000"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(ConsoleUrl + "#/topics/console-admin/configs");
        await page.FillAsync("[data-config='retention.ms']", "7200000");
        await page.Locator("#configs tr", new() { HasText = "segment.ms" }).GetByText("default").ClickAsync();
        await page.ClickAsync("#config-save");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("Saved: retention.ms, segment.ms.");
        var (_, description) = await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-admin");
        Assert.Equal("7200000", description.GetProperty("configs").GetProperty("retention.ms").GetString());
        Assert.Equal("604800000", description.GetProperty("configs").GetProperty("segment.ms").GetString());
        await Assertions.Expect(page.Locator("[data-config='retention.ms']")).ToHaveValueAsync("7200000");

        await page.FillAsync("[data-config='max.message.bytes']", "not-a-number");
        await page.ClickAsync("#config-save");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("INVALID_CONFIG");

        await page.ClickAsync("[data-tab=partitions]");
        await page.FillAsync("#add-partitions-count", "3");
        await page.ClickAsync("#add-partitions-submit");
        await Assertions.Expect(page.Locator("#partitions tbody tr")).ToHaveCountAsync(3);
        (_, description) = await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-admin");
        Assert.Equal(3, description.GetProperty("partitions").GetArrayLength());
        await ConsoleBrowser.ScreenshotAsync(page, "partitions");
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>
    /// The topic list and the partitions tab show each partition's bytes (as the REST description counts them)
    /// and its segment count, which grows as small segments roll.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task Partition_sizes_and_segment_counts_are_shown()
    {
        var (status, _) = await _server.Client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"console-sizes","partitions":2,"configs":{"segment.bytes":"200"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        for (var i = 0; i < 5; i++)
        {
            await ProduceAsync("console-sizes", $$"""{"value":"{{new string('x', 150)}}","partition":1}""");
        }

        var (_, description) = await _server.Client.JsonAsync(HttpMethod.Get, "/api/topics/console-sizes");
        var stored = description.GetProperty("partitions")[1];
        var bytes = stored.GetProperty("sizeBytes").GetInt64();
        var segments = stored.GetProperty("segments").GetInt32();
        Assert.True(segments >= 3, description.ToString());

        var page = await browser.NewPageAsync();
        await page.GotoAsync(ConsoleUrl + "#/topics/console-sizes/partitions");
        var cells = page.Locator("#partitions tbody tr").Nth(1).Locator("td");
        await Assertions.Expect(cells.Nth(8)).ToHaveTextAsync(bytes < 1024 ? $"{bytes} B" : $"{bytes / 1024.0:0.0} KiB");
        await Assertions.Expect(cells.Nth(9)).ToHaveTextAsync(segments.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#partitions tbody tr").Nth(0).Locator("td").Nth(9)).ToHaveTextAsync("0");

        await page.GotoAsync(ConsoleUrl + "#/topics");
        await Assertions.Expect(page.Locator("#topics tr[data-topic='console-sizes'] td.size")).ToHaveTextAsync(bytes < 1024 ? $"{bytes} B" : $"{bytes / 1024.0:0.0} KiB");
        Assert.Empty(browser.ErrorsOf(page));
    }

    private static Task ExpectOffsetsAsync(IPage page, params long[] offsets) =>
        Assertions.Expect(page.Locator("#records tr.record td.offset")).ToHaveTextAsync(offsets.Select(o => o.ToString(CultureInfo.InvariantCulture)).ToArray());

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

using System.Globalization;
using System.Net;
using System.Text.Json;
using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.Playwright;

namespace Cloud.Log.Console.Tests;

/// <summary>
/// Consumer groups in the console against the real server: the lag a group shows falls when it commits
/// (over REST, as a consumer would), the lag chart follows, and offsets are reset to the earliest, the
/// latest, a timestamp and an exact offset after a confirmation listing the new offsets.
/// </summary>
public sealed class GroupTests(StorageFixture storage, ConsoleBrowser browser) : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync(storage);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>The group page's lag falls after a commit, the chart has the samples, and each kind of reset stores the offsets it previewed.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Group_lag_falls_after_a_commit_and_offsets_are_reset_after_confirmation()
    {
        await CallAsync(HttpMethod.Post, "/api/topics", """{"name":"console-billing","partitions":1}""", HttpStatusCode.Created);
        var timestamps = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var (_, produced) = await _server.Client.JsonAsync(HttpMethod.Post, "/api/topics/console-billing/records", $$"""{"records":[{"key":"k{{i}}","value":"v{{i}}","timestamp":{{1_800_000_000_000L + (i * 1000)}}}]}""");
            timestamps.Add(produced.GetProperty("offsets")[0].GetProperty("timestamp").GetInt64());
        }

        await CommitAsync(1);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/console/?pollMs=500#/groups").ToString());
        await Assertions.Expect(page.Locator("#groups tr[data-group='console-readers'] td.lag")).ToHaveTextAsync("4");
        await page.ClickAsync("#groups a:text('console-readers')");
        await Assertions.Expect(page.Locator("#group-table td.lag")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("#group-total")).ToHaveTextAsync("Total lag 4");

        await CommitAsync(5);
        await Assertions.Expect(page.Locator("#group-table td.lag")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#group-table td.committed")).ToHaveTextAsync("5");
        await Assertions.Expect(page.Locator("#lag-chart .legend")).ToHaveTextAsync("total: 0");
        var points = await page.Locator("#lag-chart polyline.total").GetAttributeAsync("points");
        Assert.True(points!.Split(' ').Length >= 2, points);
        await ConsoleBrowser.ScreenshotAsync(page, "group-lag");

        await ResetAsync(page, "earliest", null, expected: 0);
        await Assertions.Expect(page.Locator("#group-table td.lag")).ToHaveTextAsync("5");
        await ResetAsync(page, "offset", "3", expected: 3);
        await ResetAsync(page, "timestamp", timestamps[2].ToString(CultureInfo.InvariantCulture), expected: 2);
        await ResetAsync(page, "latest", null, expected: 5);

        // Cancelling the confirmation stores nothing.
        await page.SelectOptionAsync("#reset-to", "earliest");
        await page.ClickAsync("#reset-submit");
        await page.ClickAsync("#confirm-cancel");
        await Assertions.Expect(page.Locator("#confirm")).ToBeHiddenAsync();
        Assert.Equal(5, await CommittedAsync());
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>
    /// The group page lists the live members with what each subscribes to, owns and is to own, and follows a
    /// rebalance: a second member joins (rebalancing), the first releases, the second claims (stable, two and
    /// two), the first leaves.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Group_members_and_their_assignment_follow_a_rebalance()
    {
        await CallAsync(HttpMethod.Post, "/api/topics", """{"name":"console-members","partitions":4}""", HttpStatusCode.Created);
        var first = await JoinAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/console/?pollMs=500#/groups/console-team").ToString());
        await Assertions.Expect(page.Locator("#group-state")).ToHaveTextAsync("Stable · generation 1 · 1 member");
        var firstRow = page.Locator($"#members-table tr[data-member='{first}']");
        await Assertions.Expect(firstRow.Locator("td.assigned")).ToHaveTextAsync("console-members/0, console-members/1, console-members/2, console-members/3");

        var second = await JoinAsync();
        var secondRow = page.Locator($"#members-table tr[data-member='{second}']");
        await Assertions.Expect(page.Locator("#group-state")).ToHaveTextAsync("Rebalancing · generation 2 · 2 members");
        await Assertions.Expect(secondRow.Locator("td.assigned")).ToHaveTextAsync("—");
        var (_, heartbeat) = await _server.Client.JsonAsync(HttpMethod.Post, $"/api/groups/console-team/members/{first}/heartbeat");
        var kept = heartbeat.GetProperty("target").EnumerateArray().Select(p => p.GetProperty("partition").GetInt32()).ToList();
        var released = string.Join(',', Enumerable.Range(0, 4).Except(kept).Select(p => $$"""{"topic":"console-members","partition":{{p}}}"""));
        await CallAsync(HttpMethod.Post, $"/api/groups/console-team/members/{first}/heartbeat", $$"""{"released":[{{released}}]}""", HttpStatusCode.OK);
        await CallAsync(HttpMethod.Post, $"/api/groups/console-team/members/{second}/heartbeat", "{}", HttpStatusCode.OK);
        await Assertions.Expect(page.Locator("#group-state")).ToHaveTextAsync("Stable · generation 2 · 2 members");
        await Assertions.Expect(firstRow.Locator("td.assigned")).ToHaveTextAsync(string.Join(", ", kept.Select(p => $"console-members/{p}")));
        await Assertions.Expect(secondRow.Locator("td.assigned")).ToHaveTextAsync(string.Join(", ", Enumerable.Range(0, 4).Except(kept).Select(p => $"console-members/{p}")));
        await ConsoleBrowser.ScreenshotAsync(page, "group-members");

        await CallAsync(HttpMethod.Delete, $"/api/groups/console-team/members/{first}", null, HttpStatusCode.NoContent);
        await Assertions.Expect(page.Locator("#members-table tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(firstRow).ToHaveCountAsync(0);
        Assert.Empty(browser.ErrorsOf(page));
    }

    /// <summary>The throughput chart shows records per second in from the high watermarks and out from the group's commits.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Throughput_chart_shows_records_in_and_out()
    {
        await CallAsync(HttpMethod.Post, "/api/topics", """{"name":"console-rates","partitions":2}""", HttpStatusCode.Created);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/console/?pollMs=500#/topics/console-rates/throughput").ToString());
        await Assertions.Expect(page.Locator("#throughput-facts")).ToContainTextAsync("high watermarks 0");
        await CallAsync(HttpMethod.Post, "/api/topics/console-rates/records", """{"records":[{"value":"a","partition":0},{"value":"b","partition":0},{"value":"c","partition":1}]}""", HttpStatusCode.OK);
        await CallAsync(HttpMethod.Post, "/api/groups/console-rates-readers/offsets", """{"offsets":[{"topic":"console-rates","partition":0,"offset":2}]}""", HttpStatusCode.NoContent);
        await Assertions.Expect(page.Locator("#throughput-facts")).ToContainTextAsync("high watermarks 3 · committed by 1 group: 2");
        await Assertions.Expect(page.Locator("#throughput-chart polyline.in")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#throughput-chart polyline.out")).ToHaveCountAsync(1);
        await ConsoleBrowser.ScreenshotAsync(page, "throughput");
        Assert.Empty(browser.ErrorsOf(page));
    }

    private async Task<string> JoinAsync()
    {
        var (status, joined) = await _server.Client.JsonAsync(HttpMethod.Post, "/api/groups/console-team/members", """{"topics":["console-members"],"sessionTimeoutMs":60000}""");
        Assert.Equal(HttpStatusCode.Created, status);
        return joined.GetProperty("memberId").GetString()!;
    }

    private async Task ResetAsync(IPage page, string to, string? value, long expected)
    {
        await page.SelectOptionAsync("#reset-topic", "console-billing");
        await page.SelectOptionAsync("#reset-to", to);
        if (value is not null)
        {
            await page.FillAsync("#reset-value", value);
        }

        await page.ClickAsync("#reset-submit");
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Reset offsets of group console-readers on console-billing?");
        await Assertions.Expect(page.Locator("#reset-preview tbody td").Nth(2)).ToHaveTextAsync(expected.ToString(CultureInfo.InvariantCulture));
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("Offsets of console-readers on console-billing reset.");
        await Assertions.Expect(page.Locator("#group-table td.committed")).ToHaveTextAsync(expected.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(expected, await CommittedAsync());
    }

    private async Task CommitAsync(long offset) =>
        await CallAsync(HttpMethod.Post, "/api/groups/console-readers/offsets", $$"""{"offsets":[{"topic":"console-billing","partition":0,"offset":{{offset}}}]}""", HttpStatusCode.NoContent);

    private async Task<long> CommittedAsync()
    {
        var (status, body) = await _server.Client.JsonAsync(HttpMethod.Get, "/api/groups/console-readers/offsets?topic=console-billing");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("offsets")[0].GetProperty("offset").GetInt64();
    }

    private async Task CallAsync(HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        var (status, answer) = await _server.Client.JsonAsync(method, path, body);
        Assert.True(status == expected, $"{method} {path}: {status} {(answer.ValueKind == JsonValueKind.Undefined ? "" : answer.ToString())}");
    }
}

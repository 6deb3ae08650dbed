using System.Text.Json;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;
using Microsoft.Playwright;

namespace Cloud.Log.Console.Tests;

/// <summary>The console's pure functions (js/format.js), called in the browser as the page calls them.</summary>
public sealed class FormatTests(StorageFixture storage, ConsoleBrowser browser) : IAsyncLifetime
{
    private ServerHost _server = null!;
    private IPage _page = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerHost.StartAsync(storage);
        if (browser.Available)
        {
            _page = await browser.NewPageAsync();
            await _page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/console/").ToString());
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Evaluates <paramref name="body"/> with the module's exports as <c>f</c>, answering JSON.</summary>
    private async Task<JsonElement> CallAsync(string body)
    {
        Assert.SkipUnless(browser.Available, ConsoleBrowser.Missing);
        var json = await _page.EvaluateAsync<string>($"async () => {{ const f = await import('./js/format.js'); return JSON.stringify(await (async () => {{ {body} }})()); }}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>A hex dump has 16 bytes a line with offsets, and dots for what is not printable ASCII.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Hex_dump_shows_offsets_bytes_and_printable_text()
    {
        var dump = await CallAsync("return f.hexDump(new Uint8Array([0x48, 0x69, 0x00, 0xff, ...Array(14).fill(0x41)]));");
        Assert.Equal(
            "00000000  48 69 00 ff 41 41 41 41 41 41 41 41 41 41 41 41  Hi..AAAAAAAAAAAA\n00000010  " + "41 41".PadRight(47) + "  AA",
            dump.GetString());
    }

    /// <summary>Binary values are shown as hex whatever the mode; JSON mode pretty-prints objects and falls back to text.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Display_uses_hex_for_binary_and_pretty_json_where_it_parses()
    {
        var shown = await CallAsync("""
            return [
              f.display(f.fieldOf({ valueBase64: '/wA=' }, 'value'), 'text'),
              f.display(f.fieldOf({ value: '{"a":[1,2]}' }, 'value'), 'json'),
              f.display(f.fieldOf({ value: 'not {json' }, 'value'), 'json'),
              f.display(f.fieldOf({ value: 'Hi' }, 'value'), 'hex'),
              f.display(f.fieldOf({ value: null }, 'value'), 'text'),
            ];
            """);
        Assert.Equal("hex", shown[0].GetProperty("kind").GetString());
        Assert.StartsWith("00000000  ff 00", shown[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("{\n  \"a\": [\n    1,\n    2\n  ]\n}", shown[1].GetProperty("text").GetString());
        Assert.Equal("text", shown[2].GetProperty("kind").GetString());
        Assert.StartsWith("00000000  48 69", shown[3].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("null", shown[4].GetProperty("kind").GetString());
    }

    /// <summary>The filter matches key, value, header names and header values, case-insensitively, and nothing else.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Filter_matches_key_value_and_headers_only()
    {
        var matches = await CallAsync("""
            const r = { partition: 0, offset: 7, key: 'User-1', value: 'hello', headers: { source: 'Web' } };
            return ['user-1', 'HELLO', 'source', 'web', '', 'nothing', '7'].map(x => f.matchesFilter(r, x));
            """);
        Assert.Equal([true, true, true, true, true, false, false], matches.EnumerateArray().Select(x => x.GetBoolean()));
    }

    /// <summary>Rates are the growth per second between samples; a fall counts as zero.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Rates_are_growth_per_second_between_samples()
    {
        var rates = await CallAsync("return f.rates([{ t: 0, v: 0 }, { t: 2000, v: 10 }, { t: 3000, v: 4 }, { t: 3500, v: 9 }]).map(x => x.v);");
        Assert.Equal([5.0, 0.0, 10.0], rates.EnumerateArray().Select(x => x.GetDouble()));
    }

    /// <summary>name=value lines parse to an object; a line without '=' is an error naming its line.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Key_value_lines_parse_and_bad_lines_are_named()
    {
        var parsed = await CallAsync("return [f.parseKeyValueLines('a=1\\n\\n b = x=y \\nc=', true), (() => { try { f.parseKeyValueLines('a=1\\nbroken'); return null; } catch (e) { return e.message; } })()];");
        Assert.Equal("""{"a":"1","b":"x=y","c":null}""", parsed[0].GetRawText());
        Assert.Equal("Line 2 is not name=value: \"broken\"", parsed[1].GetString());
    }

    /// <summary>Export writes one JSON object a line, in the order shown; a problem is summarised with its code and detail.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Json_lines_and_problem_text()
    {
        var answer = await CallAsync("""
            return [f.toJsonLines([{ offset: 1, key: 'a' }, { offset: 2, key: null }]), f.toJsonLines([]),
              f.problemText({ title: 'Offset out of range', status: 416, code: 'OFFSET_OUT_OF_RANGE', detail: 'Offset 9 is above 2.' }, 416)];
            """);
        Assert.Equal("{\"offset\":1,\"key\":\"a\"}\n{\"offset\":2,\"key\":null}\n", answer[0].GetString());
        Assert.Equal("", answer[1].GetString());
        Assert.Equal("Offset out of range (416 OFFSET_OUT_OF_RANGE): Offset 9 is above 2.", answer[2].GetString());
    }
}

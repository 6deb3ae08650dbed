using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Input;

namespace Cloud.Log.Cli.Tests;

/// <summary>The tool's own parsing, in process: positions, endpoints, input lines.</summary>
public sealed class ParsingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>--from / --to / --time read names, offsets, ISO times (UTC unless said) and times ago.</summary>
    [Theory]
    [InlineData("beginning", "Beginning", 0L, null)]
    [InlineData("EARLIEST", "Beginning", 0L, null)]
    [InlineData("end", "End", 0L, null)]
    [InlineData("latest", "End", 0L, null)]
    [InlineData("0", "Offset", 0L, null)]
    [InlineData("42", "Offset", 42L, null)]
    [InlineData("2026-12-01T07:30:00Z", "Time", 0L, "2026-12-01T07:30:00Z")]
    [InlineData("2026-12-01T07:30:00", "Time", 0L, "2026-12-01T07:30:00Z")]
    [InlineData("2026-12-01T09:30:00+02:00", "Time", 0L, "2026-12-01T07:30:00Z")]
    [InlineData("-30s", "Time", 0L, "2026-12-01T07:59:30Z")]
    [InlineData("-15m", "Time", 0L, "2026-12-01T07:45:00Z")]
    [InlineData("-2h", "Time", 0L, "2026-12-01T06:00:00Z")]
    [InlineData("-1d", "Time", 0L, "2026-11-30T08:00:00Z")]
    public void Start_positions_are_read_as_written(string text, string kind, long offset, string? time)
    {
        var position = StartPosition.Parse(text, "--from", Now);

        Assert.Equal(Enum.Parse<StartKind>(kind), position.Kind);
        Assert.Equal(offset, position.Offset);
        if (time is not null)
        {
            Assert.Equal(DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture), position.Time);
        }
    }

    /// <summary>What is not a position is a usage error naming the option and the forms it takes.</summary>
    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    [InlineData("-1w")]
    [InlineData("1.5")]
    public void Anything_else_is_a_usage_error(string text)
    {
        var error = Assert.Throws<CliUsageException>(() => StartPosition.Parse(text, "--to", Now));
        Assert.StartsWith("--to takes beginning, end, an offset", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Endpoints are absolute http(s) addresses; the REST root's /api is dropped, a path before it kept.</summary>
    [Theory]
    [InlineData("http://127.0.0.1:7071", "http://127.0.0.1:7071/")]
    [InlineData("http://127.0.0.1:7071/api", "http://127.0.0.1:7071/")]
    [InlineData("http://127.0.0.1:7071/api/", "http://127.0.0.1:7071/")]
    [InlineData("https://example.test/log/api", "https://example.test/log/")]
    public void Endpoints_are_the_hosts_address(string text, string expected) =>
        Assert.Equal(new Uri(expected), ConnectionSettings.ParseEndpoint(text, "--endpoint"));

    /// <summary>An endpoint that is not an http(s) address is a usage error.</summary>
    [Theory]
    [InlineData("127.0.0.1:7071")]
    [InlineData("ftp://example.test")]
    [InlineData("not a url")]
    public void Other_endpoints_are_usage_errors(string text) =>
        Assert.Throws<CliUsageException>(() => ConnectionSettings.ParseEndpoint(text, "--endpoint"));

    /// <summary>A key separator splits at its first occurrence; a JSON key field's string is the key as is, another value its JSON text, null no key.</summary>
    [Fact]
    public void Lines_become_keys_values_and_headers()
    {
        var separated = new RecordBuilder(ProduceFormat.Lines, null, null, "::", [new("h", "1")]).Build("k::v::w", 1);
        Assert.Equal(("k", "v::w", "h", "1"), (separated.Key!.ToString(), separated.Value!.ToString(), separated.Headers[0].Key, separated.Headers[0].Value!.ToString()));

        var json = new RecordBuilder(ProduceFormat.Json, null, "id", null, []);
        Assert.Equal("u1", json.Build("{\"id\":\"u1\"}", 1).Key!.ToString());
        Assert.Equal("{\"a\":1}", json.Build("{\"id\":{\"a\":1}}", 2).Key!.ToString());
        Assert.Null(json.Build("{\"id\":null}", 3).Key);
        Assert.Contains("Line 4 has no field 'id'", Assert.Throws<CliUsageException>(() => json.Build("[1]", 4)).Message, StringComparison.Ordinal);
        Assert.Contains("Line 5 is not JSON", Assert.Throws<CliUsageException>(() => json.Build("{", 5)).Message, StringComparison.Ordinal);
        Assert.Throws<CliUsageException>(() => new RecordBuilder(ProduceFormat.Lines, null, "id", null, []));
        Assert.Throws<CliUsageException>(() => new RecordBuilder(ProduceFormat.Lines, null, null, "", []));
    }
}

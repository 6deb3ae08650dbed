using System.Text.Json;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Cli.Tests;

/// <summary>
/// A test class's standalone server on Azurite that wants an API key, and the installed tool pointed at it
/// through CLOUDLOG_ENDPOINT and CLOUDLOG_API_KEY, with a config directory of its own.
/// </summary>
public abstract class CliTest(StorageFixture storage, InstalledTool tool) : IAsyncLifetime
{
    /// <summary>The admin key the server takes.</summary>
    protected const string ApiKey = "cli-s3cret";

    private DirectoryInfo _config = null!;

    protected ServerHost Host { get; private set; } = null!;

    protected InstalledTool Tool => tool;

    /// <summary>The server's address as a user types it.</summary>
    protected string Endpoint => Host.Client.BaseAddress!.ToString().TrimEnd('/');

    /// <summary>The config directory (XDG_CONFIG_HOME) the tool's runs get.</summary>
    protected string ConfigHome => _config.FullName;

    public async ValueTask InitializeAsync()
    {
        _config = Directory.CreateTempSubdirectory("cloudlog-cli-config-");
        Host = await ServerHost.StartAsync(storage, new Dictionary<string, string?>
        {
            ["CloudLog:Auth:ApiKeys:0:Name"] = "cli",
            ["CloudLog:Auth:ApiKeys:0:Key"] = ApiKey,
            ["CloudLog:Auth:ApiKeys:0:Rights:0"] = "admin",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _config.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static string NewTopic() => "cli-" + Guid.NewGuid().ToString("N")[..12];

    protected static string NewGroup() => "g-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The environment a configured user has: the endpoint and key in CLOUDLOG_ENDPOINT / CLOUDLOG_API_KEY.</summary>
    protected Dictionary<string, string> Configured(string? apiKey = ApiKey) => new()
    {
        ["CLOUDLOG_ENDPOINT"] = Endpoint,
        ["CLOUDLOG_API_KEY"] = apiKey ?? "",
        ["XDG_CONFIG_HOME"] = ConfigHome,
        ["HOME"] = ConfigHome,
    };

    /// <summary>Runs <c>cloudlog</c> configured for this class's server.</summary>
    protected Task<CliResult> CliAsync(params string[] arguments) => tool.RunAsync(arguments, Configured(), cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Runs <c>cloudlog</c> with <paramref name="input"/> on standard input.</summary>
    protected Task<CliResult> CliWithInputAsync(string input, params string[] arguments) => tool.RunAsync(arguments, Configured(), input, TestContext.Current.CancellationToken);

    /// <summary>Runs <c>cloudlog</c> and asserts it succeeded.</summary>
    protected async Task<CliResult> OkAsync(params string[] arguments)
    {
        var result = await CliAsync(arguments);
        Assert.True(result.ExitCode == 0, $"cloudlog {string.Join(' ', arguments)}: {result}");
        return result;
    }

    /// <summary>
    /// Asserts that a run failed the way scripts rely on: <paramref name="exitCode"/>, nothing on standard
    /// output, and exactly one line on standard error (no stack trace) that contains <paramref name="expected"/>.
    /// </summary>
    protected static string AssertOneLineFailure(CliResult result, int exitCode, string expected)
    {
        ArgumentNullException.ThrowIfNull(result);
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        var lines = result.ErrorLines;
        Assert.True(lines.Length == 1, $"expected one line on stderr: {result}");
        Assert.StartsWith("cloudlog: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal); // a failure the tool did not foresee names its type
        Assert.Equal("", result.Output.Trim());
        return lines[0];
    }

    /// <summary>The JSON objects of JSON-lines output.</summary>
    protected static List<JsonElement> JsonLines(CliResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. result.Lines.Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }
}

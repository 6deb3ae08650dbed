using System.Text.Json;
using Cloud.Log.Testing;

namespace Cloud.Log.Cli.Tests;

/// <summary>Where the endpoint and key come from (option, environment, saved profile), and --help on every command.</summary>
public sealed class ConnectionTests(StorageFixture storage, InstalledTool tool) : CliTest(storage, tool)
{
    private static readonly string[][] Commands =
    [
        [], ["topics"], ["topics", "list"], ["topics", "describe"], ["topics", "create"], ["topics", "alter"], ["topics", "delete"],
        ["produce"], ["consume"], ["groups"], ["groups", "list"], ["groups", "describe"], ["groups", "reset-offsets"], ["groups", "delete"],
        ["offsets"], ["profile"], ["profile", "set"], ["profile", "show"],
    ];

    /// <summary>A saved profile supplies endpoint and key when neither option nor environment does; the environment and the options override it; the key is shown masked; the file is the user's alone.</summary>
    [Fact(Timeout = 300_000)]
    public async Task A_saved_profile_is_used_and_options_and_environment_override_it()
    {
        var bare = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = ConfigHome, ["HOME"] = ConfigHome };
        var set = await Tool.RunAsync(["profile", "set", "--endpoint", Endpoint + "/api", "--api-key", ApiKey], bare, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(set.ExitCode == 0, set.ToString());
        var file = Path.Combine(ConfigHome, "cloudlog", "profiles.json");
        Assert.True(File.Exists(file), set.ToString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var topic = NewTopic();
        var created = await Tool.RunAsync(["topics", "create", topic], bare, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(created.ExitCode == 0, created.ToString());

        var shown = await Tool.RunAsync(["profile", "show", "--output", "json"], bare, cancellationToken: TestContext.Current.CancellationToken);
        var settings = shown.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("setting").GetString()!, e => (Value: e.GetProperty("value").GetString(), Source: e.GetProperty("source").GetString()));
        Assert.Equal((Endpoint + "/", "profile 'default'"), settings["endpoint"]);
        Assert.Equal("profile 'default'", settings["api-key"].Source);
        Assert.DoesNotContain(ApiKey, shown.Output, StringComparison.Ordinal);

        var environmentWins = new Dictionary<string, string>(bare) { ["CLOUDLOG_API_KEY"] = "wrong" };
        AssertOneLineFailure(await Tool.RunAsync(["topics", "list"], environmentWins, cancellationToken: TestContext.Current.CancellationToken), 4, "UNAUTHORIZED");
        AssertOneLineFailure(await Tool.RunAsync(["topics", "list", "--api-key", "wrong"], bare, cancellationToken: TestContext.Current.CancellationToken), 4, "UNAUTHORIZED");

        var named = await Tool.RunAsync(["profile", "set", "--profile", "ops", "--endpoint", Endpoint, "--api-key", "wrong"], bare, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, named.ExitCode);
        AssertOneLineFailure(await Tool.RunAsync(["--profile", "ops", "topics", "list"], bare, cancellationToken: TestContext.Current.CancellationToken), 4, "UNAUTHORIZED");
        var byEnvironment = new Dictionary<string, string>(bare) { ["CLOUDLOG_PROFILE"] = "ops", ["CLOUDLOG_API_KEY"] = ApiKey };
        Assert.Equal(0, (await Tool.RunAsync(["topics", "list"], byEnvironment, cancellationToken: TestContext.Current.CancellationToken)).ExitCode);
        AssertOneLineFailure(await Tool.RunAsync(["--profile", "nope", "topics", "list"], bare, cancellationToken: TestContext.Current.CancellationToken), 2, "No profile named 'nope'");
    }

    /// <summary>Every command answers --help with its usage on stdout and exit 0.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Every_command_has_help()
    {
        var results = await Task.WhenAll(Commands.Select(async c => (Command: c, Result: await CliAsync([.. c, "--help"]))));
        foreach (var (command, result) in results)
        {
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)} --help: {result}");
            Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
            Assert.Contains(string.Join(' ', ["cloudlog", .. command]), result.Output, StringComparison.Ordinal);
        }
    }
}

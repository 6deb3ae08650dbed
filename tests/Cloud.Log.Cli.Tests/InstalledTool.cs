using System.Diagnostics;
using System.Globalization;

namespace Cloud.Log.Cli.Tests;

/// <summary>
/// The tool as a user gets it, once for the test assembly: the built project packed with <c>dotnet pack</c>
/// into a folder feed, installed from there with <c>dotnet tool install --tool-path</c>, and run as the
/// installed <c>cloudlog</c> command.
/// </summary>
public sealed class InstalledTool : IAsyncLifetime
{
    private DirectoryInfo _work = null!;

    /// <summary>The installed command.</summary>
    public string Command { get; private set; } = null!;

    /// <summary>The package's version, unique to this run.</summary>
    public string Version { get; } = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    /// <summary>The folder feed the package was packed into.</summary>
    public string Feed { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("cloudlog-cli-");
        Feed = Directory.CreateDirectory(Path.Combine(_work.FullName, "feed")).FullName;
        var project = Path.Combine(RepositoryRoot(), "sdk", "Cloud.Log.Cli", "Cloud.Log.Cli.csproj");
        await DotnetAsync(_work.FullName, "pack", project, "-c", "Release", "--no-build", "-o", Feed, $"-p:Version={Version}");
        var config = Path.Combine(_work.FullName, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_work.FullName, "packages")}" />
              </config>
            </configuration>
            """);
        var tools = Path.Combine(_work.FullName, "tools");
        await DotnetAsync(_work.FullName, "tool", "install", "Cloud.Log.Cli", "--tool-path", tools, "--version", Version, "--configfile", config);
        Command = Path.Combine(tools, OperatingSystem.IsWindows() ? "cloudlog.exe" : "cloudlog");
        Assert.True(File.Exists(Command), $"dotnet tool install did not make {Command}.");
    }

    public ValueTask DisposeAsync()
    {
        _work.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Runs <c>cloudlog</c> with <paramref name="arguments"/>, nothing of the test process's CLOUDLOG_* environment,
    /// <paramref name="environment"/>'s variables, and <paramref name="input"/> on standard input.
    /// </summary>
    public async Task<CliResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? input = null, CancellationToken cancellationToken = default)
    {
        using var process = Start(arguments, environment);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        await WaitAsync(process, cancellationToken);
        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Runs <c>cloudlog</c> until its standard output has <paramref name="lines"/> lines, then interrupts it
    /// as Ctrl-C does (SIGINT) and waits for it to end.
    /// </summary>
    public async Task<CliResult> RunAndInterruptAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, int lines, CancellationToken cancellationToken)
    {
        using var process = Start(arguments, environment);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = new System.Text.StringBuilder();
        for (var seen = 0; seen < lines && await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line; seen++)
        {
            output.AppendLine(line);
        }

        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(cancellationToken);
        }

        output.Append(await process.StandardOutput.ReadToEndAsync(cancellationToken));
        await WaitAsync(process, cancellationToken);
        return new CliResult(process.ExitCode, output.ToString(), await error);
    }

    private static async Task WaitAsync(Process process, CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _work.FullName,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CLOUDLOG_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && !start.Environment.ContainsKey("DOTNET_ROOT"))
        {
            start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(host);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>The repository's root, above the test's directory.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test's directory.");
    }

    private static async Task DotnetAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output + await error;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{text}");
    }
}

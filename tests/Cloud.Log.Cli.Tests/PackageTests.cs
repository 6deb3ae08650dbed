using System.IO.Compression;

namespace Cloud.Log.Cli.Tests;

/// <summary>The package the tool is installed from.</summary>
public sealed class PackageTests(InstalledTool tool)
{
    /// <summary>The package is a .NET tool whose command is cloudlog, with its README, the SDK inside, and the version it was packed with.</summary>
    [Fact(Timeout = 30_000)]
    public async Task The_package_is_a_dotnet_tool_named_cloudlog_with_the_sdk_inside()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(tool.Feed, $"Cloud.Log.Cli.{tool.Version}.nupkg"));
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("README.md", entries);
        Assert.Contains("tools/net10.0/any/cloudlog.dll", entries);
        Assert.Contains("tools/net10.0/any/Cloud.Log.Client.dll", entries);
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
        using var settings = new StreamReader(zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
        Assert.Contains("<Command Name=\"cloudlog\" EntryPoint=\"cloudlog.dll\"", await settings.ReadToEndAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var metadata = await nuspec.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<packageType name=\"DotnetTool\" />", metadata, StringComparison.Ordinal);
        Assert.Contains($"<version>{tool.Version}</version>", metadata, StringComparison.Ordinal);

        var version = await tool.RunAsync(["--version"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, version.ExitCode);
    }
}

using System.Diagnostics;
using System.IO.Compression;
using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>
/// The SDK as a user gets it: packed with <c>dotnet pack</c>, installed from a local folder feed into a fresh
/// console project, built, and run against the server.
/// </summary>
public sealed class PackageTests(StorageFixture storage) : TestServer(storage)
{
    private const string Program = """
        using Cloud.Log.Client;

        var endpoint = new Uri(args[0]);
        var topic = "pkg-" + Guid.NewGuid().ToString("N")[..8];
        var admin = new CloudLogAdminClient(endpoint);
        await admin.CreateTopicAsync(topic, partitions: 2);
        await using (var producer = new CloudLogProducerClient(endpoint))
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(topic, new CloudLogMessage(BinaryData.FromString($"k{i}"), BinaryData.FromString($"v{i}")));
            }
        }

        await using var consumer = new CloudLogConsumerClient(endpoint, new CloudLogConsumerClientOptions { GroupId = "pkg", AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Subscribe(topic);
        var values = new List<string>();
        while (values.Count < 10)
        {
            var record = await consumer.ConsumeAsync(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException("no record");
            values.Add(record.Value!.ToString());
        }

        Console.WriteLine("consumed " + string.Join(",", values.Order()));
        """;

    /// <summary>The packages carry README, XML docs and metadata; a fresh console app installs them from a folder feed and talks to the server.</summary>
    [Fact(Timeout = 600_000)]
    public async Task Packed_sdk_installs_into_a_fresh_console_project_and_runs_against_the_server()
    {
        var work = Directory.CreateTempSubdirectory("cloudlog-package-");
        try
        {
            var version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
            var source = CopySources(work.FullName);
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            foreach (var project in new[] { "Cloud.Log.Protocol", "Cloud.Log.Client" })
            {
                await RunAsync(source, "pack", $"sdk/{project}/{project}.csproj", "-c", "Release", "-o", feed, $"-p:Version={version}");
            }

            var package = Path.Combine(feed, $"Cloud.Log.Client.{version}.nupkg");
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("README.md", entries);
                Assert.Contains("lib/net10.0/Cloud.Log.Client.dll", entries);
                Assert.Contains("lib/net10.0/Cloud.Log.Client.xml", entries);
                using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
                var metadata = await nuspec.ReadToEndAsync();
                Assert.Contains($"<dependency id=\"Cloud.Log.Protocol\" version=\"{version}\"", metadata, StringComparison.Ordinal);
                Assert.Contains("<readme>README.md</readme>", metadata, StringComparison.Ordinal);
                Assert.Contains("<description>", metadata, StringComparison.Ordinal);
            }

            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="local" value="{feed}" />
                  </packageSources>
                  <config>
                    <add key="globalPackagesFolder" value="{Path.Combine(work.FullName, "packages")}" />
                  </config>
                </configuration>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Cloud.Log.Client" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), Program);

            await RunAsync(app, "build", "-c", "Release");
            var output = await RunAsync(app, "run", "-c", "Release", "--no-build", "--", Endpoint.ToString());

            Assert.Contains("consumed v0,v1,v2,v3,v4,v5,v6,v7,v8,v9", output, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The SDK's sources and the build files they need, copied so that packing touches nothing of the build under test.</summary>
    private static string CopySources(string work)
    {
        var root = RepositoryRoot();
        var target = Directory.CreateDirectory(Path.Combine(work, "src")).FullName;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(root, file), Path.Combine(target, file));
        }

        foreach (var project in new[] { "Cloud.Log.Protocol", "Cloud.Log.Client" })
        {
            var from = Path.Combine(root, "sdk", project);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }

                var destination = Path.Combine(target, "sdk", project, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination);
            }
        }

        return target;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test's directory.");
    }

    private static async Task<string> RunAsync(string directory, params string[] arguments)
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
        return text;
    }
}

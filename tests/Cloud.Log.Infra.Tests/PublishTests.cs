using System.Text.Json;
using Cloud.Log.Api.Http;

namespace Cloud.Log.Infra.Tests;

/// <summary>What azd deploys: `dotnet publish` of the function app gives a package whose functions.metadata lists every function.</summary>
public class PublishTests
{
    /// <summary>The published package has host.json, the worker, and functions.metadata with every route, the queue trigger and the three timers.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Published_package_lists_every_function()
    {
        var output = Path.Combine(Path.GetTempPath(), "cloudlog-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            var publish = await Repository.RunAsync("dotnet", "publish", "functions/Cloud.Log.Functions", "-c", Repository.Configuration, "--no-build", "-o", output, "-nologo");
            Assert.True(publish.ExitCode == 0, publish.Output + publish.Error);
            Assert.True(File.Exists(Path.Combine(output, "host.json")));
            Assert.True(File.Exists(Path.Combine(output, "Cloud.Log.Functions.dll")));
            Assert.False(File.Exists(Path.Combine(output, "local.settings.json")));
            using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "functions.metadata")));
            var names = metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToHashSet();
            foreach (var route in ApiRoutes.All)
            {
                Assert.Contains(route.Name, names);
            }

            Assert.Contains("ProduceFromQueue", names);
            foreach (var timer in new[] { "ReplicaCatchUp", "Retention", "Compaction" })
            {
                Assert.Contains(timer, names);
            }
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}

using System.Reflection;
using System.Text.Json;
using Cloud.Log.Api.Http;

namespace Cloud.Log.Functions.Tests;

/// <summary>
/// The <c>functions.metadata</c> the Functions SDK generates at build is what the host reads to know the
/// app's functions. It must list exactly the contract's routes (name, method, route, auth level), the
/// produce-queue trigger and every timer with its schedule.
/// </summary>
public class FunctionsMetadataTests
{
    private static readonly Lazy<JsonElement[]> Metadata = new(() =>
    {
        var path = FindMetadata();
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray().ToArray();
    });

    /// <summary>Every route of the contract has its HTTP function, with the same method and route, and nothing else is served but the console.</summary>
    [Fact]
    public void Every_contract_route_is_an_http_function_with_its_method_and_route()
    {
        var http = Metadata.Value
            .Select(f => (Name: f.GetProperty("name").GetString()!, Trigger: f.GetProperty("bindings")[0]))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .ToDictionary(f => f.Name, f => f.Trigger);
        Assert.Equal(ApiRoutes.All.Select(r => r.Name).Append(ConsoleFunction).Order(), http.Keys.Order());
        foreach (var route in ApiRoutes.All)
        {
            var trigger = http[route.Name];
            Assert.Equal([route.Method.ToLowerInvariant()], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
            Assert.Equal(route.Template, trigger.GetProperty("route").GetString());
            var expectedAuth = route.Access == ApiAccess.Anonymous ? "Anonymous" : "Function";
            Assert.True(expectedAuth == trigger.GetProperty("authLevel").GetString(), $"{route.Name}: {trigger.GetProperty("authLevel")}");
        }
    }

    /// <summary>The web console's files are one open HTTP function under the route prefix: GET and HEAD of <c>console/{*path}</c>.</summary>
    [Fact]
    public void Console_is_one_anonymous_http_function_over_its_files()
    {
        var console = Metadata.Value.Single(f => f.GetProperty("name").GetString() == ConsoleFunction);
        var trigger = console.GetProperty("bindings")[0];
        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("console/{*path}", trigger.GetProperty("route").GetString());
        Assert.Equal(["get", "head"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }

    /// <summary>The queue-triggered produce reads the queue named by its app setting, over the CloudLogQueue connection.</summary>
    [Fact]
    public void Produce_queue_trigger_names_its_queue_setting_and_connection()
    {
        var queue = Metadata.Value.Single(f => f.GetProperty("bindings")[0].GetProperty("type").GetString() == "queueTrigger");
        Assert.Equal("ProduceFromQueue", queue.GetProperty("name").GetString());
        var trigger = queue.GetProperty("bindings")[0];
        Assert.Equal("%CLOUDLOG_PRODUCE_QUEUE%", trigger.GetProperty("queueName").GetString());
        Assert.Equal("CloudLogQueue", trigger.GetProperty("connection").GetString());
    }

    /// <summary>Each timer function runs on the schedule its app setting names (the jobs of replication and retention).</summary>
    [Fact]
    public void Timer_functions_take_their_schedules_from_settings()
    {
        var timers = Metadata.Value
            .Where(f => f.GetProperty("bindings")[0].GetProperty("type").GetString() == "timerTrigger")
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("bindings")[0].GetProperty("schedule").GetString());
        Assert.Equal(ExpectedTimers, timers);
    }

    /// <summary>The function app has exactly the functions above: the contract's routes, the console, the queue trigger and the timers.</summary>
    [Fact]
    public void No_function_beyond_the_contract_the_queue_and_the_timers()
    {
        Assert.Equal(ApiRoutes.All.Count + 1 + 1 + ExpectedTimers.Count, Metadata.Value.Length);
        Assert.All(Metadata.Value, f => Assert.Equal("dotnet-isolated", f.GetProperty("language").GetString()));
    }

    /// <summary>The HTTP function serving the web console (functions/Cloud.Log.Console).</summary>
    private const string ConsoleFunction = "Console";

    /// <summary>The timer functions and their schedule settings.</summary>
    private static Dictionary<string, string?> ExpectedTimers { get; } = new()
    {
        ["ReplicaCatchUp"] = "%CLOUDLOG_REPLICATION_SCHEDULE%",
        ["Retention"] = "%CLOUDLOG_RETENTION_SCHEDULE%",
        ["Compaction"] = "%CLOUDLOG_COMPACTION_SCHEDULE%",
    };

    private static string FindMetadata()
    {
        var configuration = typeof(FunctionsMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "functions", "Cloud.Log.Functions", "bin", configuration, "net10.0", "functions.metadata");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("functions.metadata was not generated: build functions/Cloud.Log.Functions.");
    }
}

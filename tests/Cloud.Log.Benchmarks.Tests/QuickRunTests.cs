using System.Text.Json;

namespace Cloud.Log.Benchmarks.Tests;

/// <summary>
/// The benchmark program's quick mode, end to end: it starts its own Azurite and server, measures every case
/// briefly and writes its report. Figures this short prove nothing about speed; the test proves the program
/// still measures every section against its limit, so a full run (see docs/benchmarks.md) can be trusted to.
/// </summary>
public sealed class QuickRunTests
{
    [Fact(Timeout = 600_000)]
    public async Task A_quick_run_measures_every_section_against_its_limit_and_reports_every_target()
    {
        var output = Directory.CreateTempSubdirectory("cloudlog-bench-");
        try
        {
            var console = new StringWriter();
            Assert.Equal(0, await BenchmarkProgram.RunAsync(["--quick", "--out", output.FullName], console));

            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.json"), TestContext.Current.CancellationToken));
            var measurements = results.RootElement.GetProperty("measurements").EnumerateArray().ToList();
            var names = measurements.Select(m => $"{m.GetProperty("section").GetString()}: {m.GetProperty("case").GetString()}").ToHashSet();
            IEnumerable<JsonElement> In(string section) => measurements.Where(m => m.GetProperty("section").GetString() == section);

            // Every case compared with something names a case measured in the same run, and moved something.
            foreach (var compared in measurements.Where(m => m.GetProperty("against").ValueKind == JsonValueKind.String))
            {
                Assert.Contains(compared.GetProperty("against").GetString()!, names);
                Assert.True(compared.GetProperty("ratio").GetDouble() > 0, compared.GetProperty("case").GetString());
            }

            Assert.Equal(12, In(Sections.EngineProduce).Count(m => m.GetProperty("ratio").ValueKind == JsonValueKind.Number)); // 3 sizes × 1, 8 partitions × acks 1, all
            Assert.All(In(Sections.PartitionScaling), m => Assert.True(m.GetProperty("figures").GetProperty("transactions per 1,000 records").GetDouble() > 0));
            Assert.Equal(6, In(Sections.HttpProduce).Count()); // 1, 4, 16 producers × binary, JSON
            Assert.All(In(Sections.HttpProduce), m => Assert.True(m.GetProperty("figures").GetProperty("server peak RSS MiB").GetDouble() > 0));
            Assert.Equal(6, In(Sections.Fetch).Count()); // engine, HttpClient, SDK × 1, 8 partitions
            Assert.Equal(3, In(Sections.Queues).Count(m => m.GetProperty("ratio").ValueKind == JsonValueKind.Number)); // produce / send, fetch / receive, raw append / send
            Assert.Contains(In(Sections.RawRead), m => m.GetProperty("megabytesPerSecond").GetDouble() > 0);

            var latency = In(Sections.Latency).Single(m => m.GetProperty("figures").TryGetProperty("p99 ms", out _) && m.GetProperty("case").GetString()!.StartsWith("produce call", StringComparison.Ordinal)).GetProperty("figures");
            Assert.InRange(latency.GetProperty("p50 ms").GetDouble(), double.Epsilon, latency.GetProperty("p99 ms").GetDouble());
            Assert.True(latency.GetProperty("p99 ms").GetDouble() <= latency.GetProperty("max ms").GetDouble());

            var targets = results.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
            Assert.Equal(7, targets.Count);
            var markdown = await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.md"), TestContext.Current.CancellationToken);
            Assert.All(targets, name => Assert.Contains(name, markdown));
            Assert.Contains("] filling 8 partitions", console.ToString()); // progress as it runs
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}

using System.Text.Json;

namespace Cloud.Log.Benchmarks.Tests;

/// <summary>
/// The benchmark program's quick mode, end to end: it starts its own Azurite and servers, measures every case
/// briefly in one round and writes its report and results file. Figures this short prove nothing about speed; the
/// test proves the program still measures every section against its limit, each ratio's case and limit in the
/// same rounds, so a full run (see docs/benchmarks.md) can be trusted to.
/// </summary>
public sealed class QuickRunTests
{
    [Fact(Timeout = 900_000)]
    public async Task A_quick_run_measures_every_ratio_in_the_same_rounds_as_its_limit_and_reports_every_target()
    {
        var output = Directory.CreateTempSubdirectory("cloudlog-bench-");
        try
        {
            var console = new StringWriter();
            Assert.Equal(0, await BenchmarkProgram.RunAsync(["--quick", "--out", output.FullName], console));

            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.json"), TestContext.Current.CancellationToken));
            Assert.Equal(1, results.RootElement.GetProperty("rounds").GetInt32());
            var measurements = results.RootElement.GetProperty("measurements").EnumerateArray().ToList();
            var byName = measurements.ToDictionary(m => $"{m.GetProperty("section").GetString()}: {m.GetProperty("case").GetString()}");
            IEnumerable<JsonElement> In(string section) => measurements.Where(m => m.GetProperty("section").GetString() == section);
            static List<Round> Rounds(JsonElement m) => [.. m.GetProperty("rounds").EnumerateArray().Select(r => new Round(r.GetProperty("index").GetInt32(), r.GetProperty("startedSeconds").GetDouble(), r.GetProperty("endedSeconds").GetDouble(), r.GetProperty("value").GetDouble()))];

            // Every ratio names a case of the run, and its case and that limit were measured in the same rounds:
            // as many rounds each, round i of one right before or after round i of the other.
            var ratios = measurements.Where(m => m.GetProperty("against").ValueKind == JsonValueKind.String).ToList();
            Assert.NotEmpty(ratios);
            foreach (var compared in ratios)
            {
                var name = compared.GetProperty("case").GetString()!;
                Assert.True(byName.TryGetValue(compared.GetProperty("against").GetString()!, out var limit), name);
                var (caseRounds, limitRounds) = (Rounds(compared), Rounds(limit));
                Assert.True(caseRounds.Count == 1 && limitRounds.Count == 1, name);
                Assert.True(RoundStatistics.Alternate(caseRounds, limitRounds), name);
                Assert.True(compared.GetProperty("ratio").GetDouble() > 0, name); // moved something: any instance writes, so 3 servers too
            }

            Assert.Equal(12, In(Sections.EngineProduce).Count(m => m.GetProperty("ratio").ValueKind == JsonValueKind.Number)); // 3 sizes × 1, 8 partitions × acks 1, all
            Assert.All(In(Sections.EngineProduce).Concat(In(Sections.PartitionScaling)), m => Assert.True(m.GetProperty("figures").GetProperty("block KiB").GetDouble() > 0));
            Assert.All(In(Sections.PartitionScaling), m => Assert.True(m.GetProperty("figures").GetProperty("transactions per 1,000 records").GetDouble() > 0));
            Assert.Contains(byName.Keys, n => n.StartsWith(Sections.RawAppend + ": ", StringComparison.Ordinal) && n.Contains("64 stream(s)", StringComparison.Ordinal)); // 64 partitions against 64 streams
            Assert.Equal(6, In(Sections.HttpProduce).Count()); // 1, 4, 16 producers × binary, JSON
            Assert.Equal(7, In(Sections.Fetch).Count()); // engine, HttpClient, SDK × 1, 8 partitions, and one HttpClient request for all 8
            Assert.All(In(Sections.HttpProduce).Concat(In(Sections.Fetch).Where(m => m.GetProperty("case").GetString()!.StartsWith("HTTP", StringComparison.Ordinal))), m => Assert.True(m.GetProperty("figures").GetProperty(HttpSection.ServerPeakRss).GetDouble() > 0));
            Assert.Equal(2, In(Sections.Queues).Count(m => m.GetProperty("ratio").ValueKind == JsonValueKind.Number)); // produce / send, fetch / receive
            Assert.True(Assert.Single(In(Sections.Queues), m => m.GetProperty("figures").TryGetProperty(QueueSection.Ceiling, out _)).GetProperty("figures").GetProperty(QueueSection.Ceiling).GetDouble() > 0); // raw append / send: the ceiling, beside the ratios
            Assert.Contains(In(Sections.RawRead), m => m.GetProperty("megabytesPerSecond").GetDouble() > 0);

            var latency = In(Sections.Latency).Single(m => m.GetProperty("case").GetString()!.StartsWith("produce call", StringComparison.Ordinal)).GetProperty("figures");
            Assert.Equal(200, latency.GetProperty("latency samples").GetDouble());
            Assert.InRange(latency.GetProperty("p50 ms").GetDouble(), double.Epsilon, latency.GetProperty("p99 ms").GetDouble());
            Assert.InRange(latency.GetProperty("p99.9 ms").GetDouble(), latency.GetProperty("p99 ms").GetDouble(), latency.GetProperty("max ms").GetDouble());

            var cold = Assert.Single(In(Sections.ColdStart)).GetProperty("figures");
            Assert.InRange(cold.GetProperty(ColdStartSection.ToFirstProduce).GetDouble(), cold.GetProperty(ColdStartSection.ToListening).GetDouble(), 60_000);

            // Scale-out: 1, 2, 3 servers × SDK, JSON × acks=1 on 1 replica, acks=all on 3, 4 partitions when quick.
            var scaleOut = In(Sections.ScaleOut).Where(m => m.GetProperty("case").GetString()!.EndsWith("server(s)", StringComparison.Ordinal)).ToList();
            Assert.Equal(12, scaleOut.Count);
            Assert.All(scaleOut.Where(m => m.GetProperty("case").GetString()!.EndsWith("1 server(s)", StringComparison.Ordinal)), m =>
            {
                Assert.True(m.GetProperty("recordsPerSecond").GetDouble() > 0);
                Assert.True(m.GetProperty("figures").GetProperty(ScaleOutSection.RequestsPerThousand).GetDouble() > 0); // the servers' storage requests were counted
            });

            // Kafka: produce and fetch through Confluent.Kafka against their limits, and each compression type's costs.
            Assert.Single(In(Sections.KafkaProduce), m => m.GetProperty("ratio").ValueKind == JsonValueKind.Number);
            Assert.Single(In(Sections.KafkaFetch), m => m.GetProperty("ratio").ValueKind == JsonValueKind.Number);
            var codecs = In(Sections.KafkaCompression).ToList();
            Assert.Equal(5, codecs.Count); // none, gzip, lz4, zstd, snappy
            Assert.All(codecs, m => Assert.True(m.GetProperty("figures").GetProperty(KafkaSection.CpuPerMib).GetDouble() > 0 && m.GetProperty("figures").GetProperty(KafkaSection.StoredPerMib).GetDouble() > 0));

            // Cost: 3 sizes × 1 and 100 records per call × 2 storages, counted; idle runs of 3 jobs × 10, 100 partitions.
            var produceCost = In(Sections.Cost).Where(m => m.GetProperty("case").GetString()!.StartsWith("produce", StringComparison.Ordinal)).ToList();
            Assert.Equal(12, produceCost.Count);
            Assert.All(produceCost, m => Assert.True(m.GetProperty("figures").GetProperty(CostSection.BlobWrites).GetDouble() > 0)); // every append was counted
            Assert.All(produceCost.Where(m => m.GetProperty("case").GetString()!.Contains(", 1 record(s) per call", StringComparison.Ordinal)), m => Assert.Equal(1e6, m.GetProperty("figures").GetProperty(CostSection.Executions).GetDouble()));
            var idle = In(Sections.Cost).Where(m => m.GetProperty("case").GetString()!.StartsWith("idle", StringComparison.Ordinal)).ToList();
            Assert.Equal(6, idle.Count);
            Assert.All(idle, m => Assert.Equal(
                m.GetProperty("figures").GetProperty(CostSection.PerRun).GetDouble() * m.GetProperty("figures").GetProperty(CostSection.RunsPerDay).GetDouble(),
                m.GetProperty("figures").GetProperty(CostSection.PerDay).GetDouble()));
            Assert.All(idle.Where(m => m.GetProperty("case").GetString()!.Contains("catch-up", StringComparison.Ordinal)), m => Assert.True(m.GetProperty("figures").GetProperty(CostSection.PerRun).GetDouble() > 0)); // a catch-up run reads the partitions' state

            var targets = results.RootElement.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
            Assert.Empty(new[] { Targets.EngineProduce, Targets.HttpProduce, Targets.EngineFetch, Targets.HttpFetch, Targets.Queues, Targets.Transactions, Targets.Rss, Targets.Latency, Targets.ScaleOutThroughput, Targets.ScaleOutLatency, Targets.KafkaProduce, Targets.KafkaFetch }.Except(targets)); // every target the run can judge
            var markdown = await File.ReadAllTextAsync(Path.Combine(output.FullName, "results.md"), TestContext.Current.CancellationToken);
            Assert.All(targets, name => Assert.Contains(name, markdown));

            // The run's results file: date, machine, commit, the table and the JSON.
            var resultsFile = Assert.Single(output.GetFiles("*-quick-*.md"));
            var text = await File.ReadAllTextAsync(resultsFile.FullName, TestContext.Current.CancellationToken);
            Assert.Contains("- date: ", text);
            Assert.Contains("- commit: ", text);
            Assert.Contains("- machine: cores ", text);
            Assert.Contains("| target | result | goal | met |", text);
            Assert.Contains("```json", text);
            Assert.Contains("] filling 8 partitions", console.ToString()); // progress as it runs
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}

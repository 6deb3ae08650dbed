using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>The issues' targets, read off a run's measurements. Reported, never enforced by a test.</summary>
internal static class Targets
{
    public sealed record Target(string Name, string Actual, string Goal, bool Met);

    public const string EngineProduce = "engine produce, full batching, of raw AppendBlock (worst case: every size, partition count and acks)";
    public const string HttpProduce = "HTTP produce with the SDK's binary encoding (16 producers), of raw AppendBlock";
    public const string EngineFetch = "engine fetch, of raw range reads";
    public const string HttpFetch = "HTTP fetch (HttpClient and the SDK's consumer, 1 and 8 partitions), of raw range reads";
    public const string Queues = "log / Storage Queues, 1 KiB, messages per second";
    public const string Transactions = "storage transactions per 1,000 records at full batching (1 replica, worst of 1 to 64 partitions)";
    public const string Rss = "server peak RSS, every server case";
    public const string Latency = "end-to-end p99 (produce to a long-polling consumer)";
    public const string ScaleOutThroughput = "scale-out: 3 servers' acknowledged records/s of 1 server's (worst case)";
    public const string ScaleOutLatency = "scale-out: 3 servers' p99 produce latency over 1 server's (worst case)";
    public const string KafkaProduce = "Kafka produce (Confluent.Kafka, 8 partitions), of raw AppendBlock";
    public const string KafkaFetch = "Kafka fetch (Confluent.Kafka, 8 partitions), of raw range reads";
    public const string ScaleOutRaw = "scale-out where 3 servers fall short: of raw AppendBlock at the blocks they wrote (worst case)";

    public static List<Target> Evaluate(BenchmarkRun run)
    {
        var targets = new List<Target>();
        void Ratio(string name, IEnumerable<Measurement> cases, double goal)
        {
            var worst = cases.Where(m => m.Ratio is not null).OrderBy(m => m.Ratio).FirstOrDefault();
            if (worst is not null)
            {
                var goalText = goal >= 2 ? $"≥ {goal.ToString("0.#", CultureInfo.InvariantCulture)}×" : $"≥ {Report.Percent(goal)}";
                targets.Add(new Target(name, $"{Report.Ratio(worst)} ({worst.Case})", goalText, worst.Ratio >= goal));
            }
        }

        var m = run.Measurements;
        Ratio(EngineProduce, m.Where(x => x.Section is Sections.EngineProduce or Sections.PartitionScaling), 0.90);
        Ratio(HttpProduce, m.Where(x => x.Section == Sections.HttpProduce && x.Case == "binary, SDK, 16 producer(s)"), 0.85);
        Ratio(EngineFetch, m.Where(x => x.Section == Sections.Fetch && x.Case.StartsWith("engine", StringComparison.Ordinal)), 0.85);
        Ratio(HttpFetch, m.Where(x => x.Section == Sections.Fetch && x.Case.StartsWith("HTTP", StringComparison.Ordinal)), 0.85);
        Ratio(Queues, m.Where(x => x.Section == Sections.Queues && x.Case.StartsWith("log", StringComparison.Ordinal)), 50);

        if (m.Any(x => x.Section == Sections.PartitionScaling))
        {
            // The worst of 1 to 64 partitions on one replica (each replica more multiplies the writes; see the engine section).
            var perThousand = m.Where(x => x.Section == Sections.PartitionScaling).Max(x => x.Figures["transactions per 1,000 records"]);
            targets.Add(new Target(Transactions, perThousand.ToString("0.##", CultureInfo.InvariantCulture), "≤ 1.5", perThousand <= 1.5));
        }

        if (m.Where(x => x.Figures.ContainsKey(HttpSection.ServerPeakRss)).MaxBy(x => x.Figures[HttpSection.ServerPeakRss]) is { } fattest)
        {
            var rss = fattest.Figures[HttpSection.ServerPeakRss];
            targets.Add(new Target(Rss, $"{rss:0} MiB ({fattest.Section}: {fattest.Case})", "≤ 256 MiB", rss <= 256));
        }

        if (m.FirstOrDefault(x => x.Section == Sections.Latency && x.Figures.ContainsKey(HttpSection.LatencyBudget)) is { } latency)
        {
            var p99 = latency.Figures["p99 ms"];
            var budget = latency.Figures[HttpSection.LatencyBudget];
            targets.Add(new Target(Latency, $"{p99:0.#} ms", $"≤ {budget:0.#} ms (2 storage round trips at p99 + linger)", p99 <= budget));
        }

        var threeServers = m.Where(x => x.Section == Sections.ScaleOut && x.Case.EndsWith(", 3 server(s)", StringComparison.Ordinal)).ToList();
        Ratio(ScaleOutThroughput, threeServers, 0.90);
        if (threeServers.Where(x => x.Figures.ContainsKey(ScaleOutSection.P99VersusOneServer)).MaxBy(x => x.Figures[ScaleOutSection.P99VersusOneServer]) is { } slowest)
        {
            var ratio = slowest.Figures[ScaleOutSection.P99VersusOneServer];
            targets.Add(new Target(ScaleOutLatency, $"{ratio.ToString("0.##", CultureInfo.InvariantCulture)}× ({slowest.Case})", "≤ 2×", ratio <= 2));
        }

        Ratio(KafkaProduce, m.Where(x => x.Section == Sections.KafkaProduce), 0.80);
        Ratio(KafkaFetch, m.Where(x => x.Section == Sections.KafkaFetch), 0.80);
        Ratio(ScaleOutRaw, m.Where(x => x.Section == Sections.ScaleOut && x.Case.EndsWith("of raw AppendBlock", StringComparison.Ordinal)), 0.85);
        return targets;
    }
}

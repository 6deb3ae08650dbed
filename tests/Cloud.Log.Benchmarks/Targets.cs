using System.Globalization;

namespace Cloud.Log.Benchmarks;

/// <summary>The issue's targets, read off a run's measurements. Reported, never enforced by a test.</summary>
internal static class Targets
{
    public sealed record Target(string Name, string Actual, string Goal, bool Met);

    public static List<Target> Evaluate(BenchmarkRun run)
    {
        var targets = new List<Target>();
        void Ratio(string name, IEnumerable<Measurement> cases, double goal)
        {
            var worst = cases.Where(m => m.Ratio is not null).OrderBy(m => m.Ratio).FirstOrDefault();
            if (worst is not null)
            {
                targets.Add(new Target(name, $"{worst.Ratio!.Value.ToString("P0", CultureInfo.InvariantCulture)} ({worst.Case})", $"≥ {goal:P0}", worst.Ratio >= goal));
            }
        }

        var m = run.Measurements;
        Ratio("engine produce, 1 KiB records, full batching, of raw AppendBlock", m.Where(x => x.Section == Sections.EngineProduce && x.Case.StartsWith("1 KiB", StringComparison.Ordinal)), 0.80);
        Ratio("HTTP produce with the SDK's binary encoding (16 producers), of raw AppendBlock", m.Where(x => x.Section == Sections.HttpProduce && x.Case == "binary, SDK, 16 producer(s)"), 0.60);
        Ratio("fetch, of raw range reads", m.Where(x => x.Section == Sections.Fetch), 0.80);
        Ratio("log / Storage Queues, 1 KiB, messages per second", m.Where(x => x.Section == Sections.Queues && x.Case.StartsWith("log", StringComparison.Ordinal)), 50);

        if (m.Any(x => x.Section == Sections.PartitionScaling))
        {
            // The worst of 1 to 64 partitions on one replica (each replica more multiplies the writes; see the engine section).
            var perThousand = m.Where(x => x.Section == Sections.PartitionScaling).Max(x => x.Figures["transactions per 1,000 records"]);
            targets.Add(new Target("storage transactions per 1,000 records at full batching (1 replica, worst of 1 to 64 partitions)", perThousand.ToString("0.##", CultureInfo.InvariantCulture), "≤ 1.5", perThousand <= 1.5));
        }

        var rss = m.Where(x => x.Figures.ContainsKey("server peak RSS MiB")).Select(x => x.Figures["server peak RSS MiB"]).DefaultIfEmpty(double.NaN).Max();
        if (!double.IsNaN(rss))
        {
            targets.Add(new Target("server peak RSS under the HTTP runs", $"{rss:0} MiB", "≤ 512 MiB", rss <= 512));
        }

        if (m.FirstOrDefault(x => x.Section == Sections.Latency && x.Figures.ContainsKey("3 round trips + linger ms")) is { } latency)
        {
            var p99 = latency.Figures["p99 ms"];
            var budget = latency.Figures["3 round trips + linger ms"];
            targets.Add(new Target("end-to-end p99 (produce to a long-polling consumer)", $"{p99:0.#} ms", $"≤ {budget:0.#} ms (3 storage round trips at p99 + linger)", p99 <= budget));
        }

        return targets;
    }
}

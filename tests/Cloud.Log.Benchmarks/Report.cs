using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cloud.Log.Benchmarks;

/// <summary>Writes a run as a console table, Markdown and JSON, with the targets and whether each was met.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string Table(BenchmarkRun run)
    {
        var text = new StringBuilder();
        var rows = run.Measurements.Select(m => new[]
        {
            m.Section, m.Case, Number(m.RecordsPerSecond, "N0"), Number(m.MegabytesPerSecond, "N1"), Number(m.RequestsPerSecond, "N0"),
            Ratio(m), m.Rounds.Count.ToString(CultureInfo.InvariantCulture), m.Against ?? "",
            string.Join(", ", m.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.##", CultureInfo.InvariantCulture)}")),
        }).ToList();
        string[] header = ["section", "case", "records/s", "MB/s", "requests/s", "ratio (rounds' range)", "rounds", "of", "figures"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        text.AppendLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))));
        }

        text.AppendLine();
        foreach (var target in Targets.Evaluate(run))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{(target.Met ? "met   " : "MISSED")}  {target.Name}: {target.Actual} (target {target.Goal})");
        }

        return text.ToString();
    }

    public static string Markdown(BenchmarkRun run)
    {
        var text = new StringBuilder();
        text.AppendLine("| section | case | records/s | MB/s | requests/s | ratio (rounds' range) | rounds | of | figures |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|---|---|");
        foreach (var m in run.Measurements)
        {
            var figures = string.Join(", ", m.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.##", CultureInfo.InvariantCulture)}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {m.Section} | {m.Case} | {Number(m.RecordsPerSecond, "N0")} | {Number(m.MegabytesPerSecond, "N1")} | {Number(m.RequestsPerSecond, "N0")} | {Ratio(m)} | {m.Rounds.Count} | {m.Against} | {figures} |"));
        }

        text.AppendLine();
        text.AppendLine("| target | result | goal | met |");
        text.AppendLine("|---|---|---|---|");
        foreach (var target in Targets.Evaluate(run))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {target.Name} | {target.Actual} | {target.Goal} | {(target.Met ? "yes" : "**no**")} |");
        }

        text.AppendLine();
        text.AppendLine("Machine: " + string.Join("; ", run.Machine.Select(m => $"{m.Key} {m.Value}")));
        return text.ToString();
    }

    public static string JsonDocument(BenchmarkRun run) => JsonSerializer.Serialize(new
    {
        machine = run.Machine,
        quick = run.Quick,
        rounds = run.Rounds,
        durationSeconds = run.Duration.TotalSeconds,
        latencySamples = run.LatencySamples,
        measurements = run.Measurements,
        targets = Targets.Evaluate(run),
    }, Json);

    /// <summary>A ratio as "95%", with the range of its rounds' ratios where there were several: "95% (91–97%)"; × for ratios of 2 and more.</summary>
    public static string Ratio(Measurement m)
    {
        if (m.Ratio is not { } ratio)
        {
            return "";
        }

        string Format(double r) => ratio >= 2 ? r.ToString("0.#", CultureInfo.InvariantCulture) + "×" : Percent(r);
        return m.Rounds.Count > 1 && m.RatioLow is { } low && m.RatioHigh is { } high && !double.IsNaN(low)
            ? $"{Format(ratio)} ({Format(low)}–{Format(high)})"
            : Format(ratio);
    }

    /// <summary>A ratio as a whole percent without a space: "89%".</summary>
    public static string Percent(double ratio) => (100 * ratio).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Number(double value, string format) => value > 0 ? value.ToString(format, CultureInfo.InvariantCulture) : "";
}

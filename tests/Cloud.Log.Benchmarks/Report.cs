using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cloud.Log.Benchmarks;

/// <summary>Writes a run as a console table, Markdown and JSON, with the targets and whether each was met.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Table(BenchmarkRun run)
    {
        var text = new StringBuilder();
        var rows = run.Measurements.Select(m => new[]
        {
            m.Section, m.Case, Number(m.RecordsPerSecond, "N0"), Number(m.MegabytesPerSecond, "N1"), Number(m.RequestsPerSecond, "N0"),
            m.Ratio is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "", m.Against ?? "",
            string.Join(", ", m.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.##", CultureInfo.InvariantCulture)}")),
        }).ToList();
        string[] header = ["section", "case", "records/s", "MB/s", "requests/s", "ratio", "of", "figures"];
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
        text.AppendLine("| section | case | records/s | MB/s | requests/s | ratio | of | figures |");
        text.AppendLine("|---|---|--:|--:|--:|--:|---|---|");
        foreach (var m in run.Measurements)
        {
            var figures = string.Join(", ", m.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.##", CultureInfo.InvariantCulture)}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {m.Section} | {m.Case} | {Number(m.RecordsPerSecond, "N0")} | {Number(m.MegabytesPerSecond, "N1")} | {Number(m.RequestsPerSecond, "N0")} | {(m.Ratio is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "")} | {m.Against} | {figures} |"));
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
        durationSeconds = run.Duration.TotalSeconds,
        measurements = run.Measurements,
        targets = Targets.Evaluate(run),
    }, Json);

    private static string Number(double value, string format) => value > 0 ? value.ToString(format, CultureInfo.InvariantCulture) : "";
}

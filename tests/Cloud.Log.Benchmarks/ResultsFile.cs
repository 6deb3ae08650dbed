using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// A run's results file, written to be committed (docs/benchmarks/ for a full run): when it ran, on what machine,
/// at which commit, the table with the targets, and the whole run as JSON. Every figure docs/benchmarks.md quotes
/// names the file it comes from.
/// </summary>
internal static class ResultsFile
{
    /// <summary>The file's name: "2026-12-01-0930-full-1a2b3c4d.md" (UTC time, full or quick, short commit).</summary>
    public static string Name(DateTimeOffset at, bool quick, string commit) =>
        string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyy-MM-dd-HHmm}-{(quick ? "quick" : "full")}-{new string(commit.TakeWhile(char.IsAsciiLetterOrDigit).Take(8).ToArray())}.md");

    public static async Task<string> WriteAsync(BenchmarkRun run, string folder, DateTimeOffset at)
    {
        var commit = run.Machine.GetValueOrDefault("commit", "unknown");
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Benchmark run {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({(run.Quick ? "quick: figures prove nothing about speed" : "full")})");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- date: {at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        text.AppendLine(CultureInfo.InvariantCulture, $"- commit: {commit}");
        text.AppendLine("- machine: " + string.Join("; ", run.Machine.Where(m => m.Key != "commit").Select(m => $"{m.Key} {m.Value}")));
        text.AppendLine(CultureInfo.InvariantCulture, $"- rounds per ratio: {run.Rounds}; {run.Duration.TotalSeconds:0.#} s per case after a warm-up of {run.Duration.TotalSeconds / 5:0.##} s; {run.LatencySamples} latency samples");
        text.AppendLine();
        text.AppendLine(Report.Markdown(run));
        text.AppendLine("```json");
        text.AppendLine(Report.JsonDocument(run));
        text.AppendLine("```");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Name(at, run.Quick, commit));
        await File.WriteAllTextAsync(path, text.ToString()).ConfigureAwait(false);
        return path;
    }

    /// <summary>The repository's commit (with "+changes" when the work tree differs from it), or "unknown" without git.</summary>
    public static string Commit(string repository)
    {
        var head = Git(repository, "rev-parse", "HEAD");
        if (head is null)
        {
            return "unknown";
        }

        return Git(repository, "status", "--porcelain", "--untracked-files=no") is { Length: > 0 } ? head + "+changes" : head;
    }

    private static string? Git(string repository, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repository };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git
        }
    }
}

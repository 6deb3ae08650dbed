using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// Every shell example of README.md and docs/*.md runs as written, with curl, against a real server on
/// Azurite, and its shown output is checked: each file's <c>```sh</c> blocks run in order in one bash (so a
/// variable set in one block is there in the next) against a fresh resource prefix, with <c>u</c> set to
/// the server's API (the README's <c>u=http://127.0.0.1:7071/api</c> is pointed at the test server's port).
/// Every curl must answer 2xx; a trailing or following comment that starts with a status (<c># 204</c>)
/// must be that status; one that shows JSON (<c># {"offsets":[…]}</c>) must have the output's shape — the
/// same keys in the same order, strings, numbers and literals where it shows them, <c>…</c> for anything.
/// Blocks that cannot run here are listed in <see cref="Skipped"/> with the reason.
/// </summary>
public sealed class DocsExamplesTests(StorageFixture storage)
{
    /// <summary>The blocks that do not run here, by file and first line, and why.</summary>
    public static readonly IReadOnlyDictionary<(string File, string FirstLine), string> Skipped = new Dictionary<(string, string), string>
    {
        [("README.md", "./run.sh")] = "starts its own Azurite and server and runs until Ctrl-C: RunScriptTests runs it",
        [("README.md", "./test.sh")] = "runs the whole test suite, this test included",
        [("README.md", "./bench.sh")] = "a 25-minute benchmark: Cloud.Log.Benchmarks.Tests runs ./bench.sh --quick's cases",
        [("docs/benchmarks.md", "./bench.sh                  # a full run: 3 rounds per ratio; writes artifacts/benchmarks/ and a results file in docs/benchmarks/")] = "the same benchmark, in full",
        [("docs/api.md", "az storage message put --queue-name cloudlog-produce --content '{\"topic\":\"orders\",\"idempotencyKey\":\"order-42\",\"records\":[{\"key\":\"o-42\",\"value\":\"paid\"}]}'")] = "needs the Azure CLI and an Azure queue; QueueProcessorTests sends such messages to the server's queue",
        [("docs/api.md", "export CloudLog__Locations__0__BlobServiceUri=https://<account>.blob.core.windows.net")] = "needs an Azure storage account and az login",
        [("README.md", "dotnet pack sdk/Cloud.Log.Cli -c Release -o artifacts/packages")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "dotnet pack sdk/Cloud.Log.Cli -c Release -o artifacts/packages")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "cloudlog profile set --endpoint https://<app>.azurewebsites.net --api-key <function key>")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "cloudlog topics list                                                    # name, partitions, replication factor")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "cloudlog produce orders hello again                                    # each argument a record")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "cloudlog consume orders                                   # every partition from the beginning to the end, then exit")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "cloudlog groups list")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/cli.md", "cloudlog offsets orders                                   # partition, log start offset, high watermark")] = "the cloudlog tool: Cloud.Log.Cli.Tests packs it, installs it from a folder feed and runs these commands against the server",
        [("docs/kafka.md", "kcat -b 127.0.0.1:9092 -L")] = "kcat against the Kafka listener of ./run.sh: Cloud.Log.Kafka.Tests runs kcat -L, -P, -C and -G against the server",
        [("docs/kafka.md", "kcat -b cloudlog.example.com:9092 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN \\")] = "needs a server with API keys and a certificate: Cloud.Log.Kafka.Tests' Auth tests run librdkafka with these settings",
        [("docs/deploy.md", "u=$(azd env get-value CLOUDLOG_URL)")] = "needs an azd deployment in Azure",
        [("docs/deploy.md", "azd env set CLOUDLOG_KAFKA_LISTENER true")] = "needs an azd deployment in Azure and a registry to push to; BicepTests checks what the template creates",
        [("docs/deploy.md", "az storage message put --auth-mode login --account-name $(azd env get-value CLOUDLOG_HOST_STORAGE_ACCOUNT) \\")] = "needs an azd deployment in Azure",
    };

    public static TheoryData<string> FilesWithRunnableBlocks => [.. RunnableFiles()];

    /// <summary>Every shell block of the docs either runs here or is listed as skipped with a reason; no listed skip is stale.</summary>
    [Fact]
    public void Every_shell_block_runs_or_is_skipped_with_a_reason()
    {
        var all = DocFiles().SelectMany(f => Blocks(f).Select(b => (f, b.FirstLine))).ToHashSet();
        Assert.DoesNotContain(Skipped.Keys, k => !all.Contains(k));
        Assert.Contains("README.md", RunnableFiles());
        Assert.Contains("docs/api.md", RunnableFiles());
    }

    /// <summary>The comparison of shown and real output is strict enough to fail.</summary>
    [Theory]
    [InlineData("{\"offsets\":[{\"partition\":2,\"offset\":0,…}]}", "{\"offsets\":[{\"partition\":2,\"offset\":0,\"timestamp\":17}]}", true)]
    [InlineData("{\"offsets\":[{\"partition\":2,\"offset\":0,…}]}", "{\"type\":\"urn:x\",\"status\":416}", false)]
    [InlineData("{\"topics\":[…]}", "{\"topics\":[]}", true)]
    [InlineData("{\"producerId\":5120339941273315,\"producerEpoch\":0}", "{\"producerId\":77,\"producerEpoch\":0}", true)]
    [InlineData("{\"producerId\":5120339941273315,\"producerEpoch\":0}", "{\"producerId\":\"77\",\"producerEpoch\":0}", false)]
    [InlineData("{\"records\":[],\"nextOffset\":2}", "{\"records\":[{\"offset\":1}],\"nextOffset\":2}", false)]
    public void Shape_comparison(string shown, string actual, bool matches) => Assert.Equal(matches, ShapeMatches(shown, actual));

    /// <summary>A file's shell blocks, run in order against a fresh server, answer as the file says.</summary>
    [Theory(Timeout = 180_000)]
    [MemberData(nameof(FilesWithRunnableBlocks))]
    public async Task Shell_examples_run_as_written_and_answer_as_shown(string file)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "the examples are bash");
        Assert.SkipWhen(FindOnPath("curl") is null, "curl is not installed (eng/ensure-system-packages.sh installs it)");
        await using var host = await ServerHost.StartAsync(storage, new Dictionary<string, string?> { ["CloudLog:ProduceQueue:Enabled"] = "false" });
        var server = host.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);
        var work = Directory.CreateTempSubdirectory("cloudlog-docs-").FullName;
        try
        {
            var commands = Blocks(file).Where(b => !Skipped.ContainsKey((file, b.FirstLine))).SelectMany(b => Commands(b.Text)).ToList();
            var script = new StringBuilder();
            script.AppendLine("curl() { command curl -w '%{stderr}%{http_code}\\n' \"$@\" 2>>\"$DOCS_STATUS\"; }");
            script.AppendLine(CultureInvariant($"u={server}/api"));
            for (var i = 0; i < commands.Count; i++)
            {
                var text = commands[i].Text;
                if (file == "README.md")
                {
                    text = text.Replace("http://127.0.0.1:7071", server, StringComparison.Ordinal);
                }

                script.AppendLine(CultureInvariant($"DOCS_STATUS={work}/s{i}; : > \"$DOCS_STATUS\""));
                script.AppendLine("{ " + text + "\n} > " + CultureInvariant($"{work}/o{i}; echo $? > {work}/r{i}"));
            }

            await File.WriteAllTextAsync(Path.Combine(work, "examples.sh"), script.ToString());
            var info = new ProcessStartInfo("bash", [Path.Combine(work, "examples.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work };
            using var bash = Process.Start(info)!;
            var errors = bash.StandardError.ReadToEndAsync();
            await bash.StandardOutput.ReadToEndAsync();
            await bash.WaitForExitAsync(TestContext.Current.CancellationToken);

            var failures = new List<string>();
            for (var i = 0; i < commands.Count; i++)
            {
                var (text, comment) = commands[i];
                var output = (await File.ReadAllTextAsync(Path.Combine(work, $"o{i}"))).Trim();
                var exit = (await File.ReadAllTextAsync(Path.Combine(work, $"r{i}"))).Trim();
                var statuses = (await File.ReadAllLinesAsync(Path.Combine(work, $"s{i}"))).Where(l => l.Length > 0).ToList();
                var where = $"{file}: `{text.Split('\n')[0]}`";
                if (exit != "0")
                {
                    failures.Add($"{where}: exit {exit}: {output}");
                }

                failures.AddRange(statuses.Where(s => s is not ['2', _, _]).Select(s => $"{where}: HTTP {s}: {output}"));
                if (comment is null)
                {
                    continue;
                }

                var status = Regex.Match(comment, @"^(\d{3})\b");
                if (status.Success && statuses.LastOrDefault() != status.Groups[1].Value)
                {
                    failures.Add($"{where}: HTTP {statuses.LastOrDefault()}, the docs say {status.Groups[1].Value}");
                }

                var shown = comment[(status.Success ? 3 : 0)..].TrimStart();
                if (shown.StartsWith('{') || shown.StartsWith('['))
                {
                    shown = LeadingJson(shown);
                    if (!ShapeMatches(shown, output))
                    {
                        failures.Add($"{where}: answered {output}, the docs show {shown}");
                    }
                }
            }

            Assert.True(commands.Count > 3, "the file's runnable blocks hold commands");
            Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + await errors);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static List<string> RunnableFiles() => [.. DocFiles().Where(f => Blocks(f).Any(b => !Skipped.ContainsKey((f, b.FirstLine))))];

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    private static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cloud.Log.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cloud.Log.sln not found above the test's folder.");
    }

    private static IEnumerable<string> DocFiles() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f)).Order(StringComparer.Ordinal));

    private static List<(string FirstLine, string Text)> Blocks(string file) =>
        [.. Regex.Matches(File.ReadAllText(Path.Combine(Root, file)), @"^```(?:sh|bash|shell)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(m => (m.Groups[1].Value.Split('\n')[0], m.Groups[1].Value))];

    /// <summary>
    /// A block's commands: lines joined while a line ends in a backslash or a single quote is open; a comment
    /// at the end of a command's last line, or on the lines after it, is what the docs show it answers.
    /// </summary>
    private static List<(string Text, string? Comment)> Commands(string block)
    {
        var result = new List<(string Text, string? Comment)>();
        var current = new StringBuilder();
        foreach (var line in block.Split('\n'))
        {
            if (current.Length == 0)
            {
                var trimmed = line.Trim();
                if (trimmed.Length == 0)
                {
                    continue;
                }

                if (trimmed.StartsWith('#'))
                {
                    if (result.Count > 0)
                    {
                        var (text, comment) = result[^1];
                        result[^1] = (text, ((comment ?? "") + " " + trimmed.TrimStart('#').Trim()).Trim());
                    }

                    continue;
                }
            }

            current.Append(current.Length == 0 ? "" : "\n").Append(line);
            var sofar = current.ToString();
            if (sofar.EndsWith('\\') || sofar.Count(c => c == '\'') % 2 == 1)
            {
                continue;
            }

            // A trailing comment: a '#' after whitespace, outside single quotes.
            string? trailing = null;
            var lastLine = line;
            for (var i = 0; i < lastLine.Length; i++)
            {
                if (lastLine[i] == '#' && i > 0 && char.IsWhiteSpace(lastLine[i - 1]) && lastLine[..i].Count(c => c == '\'') % 2 == 0 && (sofar.Length - lastLine.Length + i) > 0)
                {
                    trailing = lastLine[(i + 1)..].Trim();
                    sofar = sofar[..(sofar.Length - lastLine.Length + i)].TrimEnd();
                    break;
                }
            }

            result.Add((sofar, trailing));
            current.Clear();
        }

        return result;
    }

    /// <summary>The JSON at the start of a comment, up to where its brackets close (text after it is prose).</summary>
    private static string LeadingJson(string text)
    {
        var depth = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']' && --depth == 0)
            {
                return text[..(i + 1)];
            }
        }

        return text;
    }

    /// <summary>
    /// Whether <paramref name="actual"/> has the shape <paramref name="shown"/> shows: both are reduced to their
    /// keys and punctuation, every string value to S, every number to N, and each <c>…</c> of the shown text
    /// stands for anything.
    /// </summary>
    internal static bool ShapeMatches(string shown, string actual)
    {
        var pattern = string.Join(".*", Shape(shown).Split('\u2026').Select(Regex.Escape));
        return Regex.IsMatch(Shape(actual), "^" + pattern + "$", RegexOptions.Singleline);
    }

    private static string Shape(string json)
    {
        var result = new StringBuilder();
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (c == '"')
            {
                var end = i + 1;
                while (end < json.Length && json[end] != '"')
                {
                    end += json[end] == '\\' ? 2 : 1;
                }

                var content = json[(i + 1)..Math.Min(end, json.Length)];
                var next = end + 1;
                while (next < json.Length && char.IsWhiteSpace(json[next]))
                {
                    next++;
                }

                result.Append(next < json.Length && json[next] == ':' ? "\"" + content + "\"" : content == "\u2026" ? "\u2026" : "S");
                i = end;
            }
            else if (c == '-' || char.IsAsciiDigit(c))
            {
                while (i + 1 < json.Length && (char.IsAsciiDigit(json[i + 1]) || json[i + 1] is '.' or 'e' or 'E' or '+' or '-'))
                {
                    i++;
                }

                result.Append('N');
            }
            else if (!char.IsWhiteSpace(c))
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}

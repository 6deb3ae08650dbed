using System.Diagnostics;
using System.Text;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 7: cold start, as Flex Consumption scales from zero. A fresh server process over storage that already
/// holds a topic (created by an earlier server, one per round and never written, so no earlier process holds its
/// partition): the time from starting the process to its first acknowledged
/// produce (one 1 KiB record as plain JSON, retried every 10 ms until the server answers 200), and to the first
/// HTTP answer of any kind (when it listens). One process per round.
/// </summary>
internal static class ColdStartSection
{
    public const string ToFirstProduce = "process start to first acknowledged produce ms";

    public const string ToListening = "process start to first HTTP answer ms";

    public static async Task RunAsync(BenchmarkRun run, string connectionString, string prefix, IReadOnlyList<string> topics)
    {
        var rounds = new List<Measurement>();
        var body = Encoding.UTF8.GetBytes("{\"records\":[{\"value\":\"" + new string('x', 1024) + "\"}]}");
        for (var r = 0; r < run.Rounds; r++)
        {
            run.Step($"cold start, round {r + 1} of {run.Rounds}: a fresh server process to its first acknowledged produce");
            var started = run.Now;
            await using var server = ServerProcess.Launch([connectionString], metadataConnectionString: null, prefix);
            using var http = new HttpClient { BaseAddress = server.Endpoint, Timeout = TimeSpan.FromSeconds(30) };
            var path = new Uri($"/api/topics/{topics[r]}/records", UriKind.Relative);
            double? listening = null;
            double acknowledged;
            while (true)
            {
                if (server.HasExited || Stopwatch.GetElapsedTime(server.LaunchedAt) > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException("The server did not acknowledge a produce within 60 s of starting (or exited).");
                }

                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var response = await http.PostAsync(path, content).ConfigureAwait(false);
                    listening ??= Stopwatch.GetElapsedTime(server.LaunchedAt).TotalMilliseconds;
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged = Stopwatch.GetElapsedTime(server.LaunchedAt).TotalMilliseconds;
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(10).ConfigureAwait(false);
            }

            var peakRss = server.PeakRssMib;
            rounds.Add(Paired.Timed(new Measurement(Sections.ColdStart, "")
            {
                Figures = { [ToFirstProduce] = acknowledged, [ToListening] = listening ?? acknowledged, [HttpSection.ServerPeakRss] = peakRss },
            }, r, started, run.Now, acknowledged));
        }

        run.Add(RoundStatistics.Combine(Sections.ColdStart, "server process over an existing topic, 1 record as JSON, 1 location", rounds) with
        {
            Note = "median of the rounds; spread % is that of the time to the first acknowledged produce",
        });
    }
}

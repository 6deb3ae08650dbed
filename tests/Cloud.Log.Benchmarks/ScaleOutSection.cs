using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cloud.Log.Client;
using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 6: scale-out. 1, 2 and 3 server processes on the same storage, the same producers spread round-robin
/// over them — 6 SDK producers (1 KiB keyless records, 256 in flight each, idempotent with acks=all), or 6 plain JSON producers
/// over HttpClient (16 records a request, 4 requests in flight each) — on 4 and 16 partitions. Each case reports
/// acknowledged records/s, p50/p99 produce latency, and the storage requests per 1,000 records of every server
/// process (counted from outside them, see <see cref="StorageRequestTrace"/>). Each round runs 1, 2 and 3 servers
/// in turn, so the ratio of 3 servers to 1 is taken between cases of the same rounds. Where 3 servers fall short
/// of the targets, raw AppendBlock is measured in the same rounds at the block size the instances wrote.
/// </summary>
internal static class ScaleOutSection
{
    public const string P99VersusOneServer = "p99 / 1 server's p99";

    public const string RequestsPerThousand = "storage requests per 1,000 records";

    /// <summary>The storage requests per 1,000 records by kind (and the refusals among them), each a figure of its own.</summary>
    private static readonly (RequestKind Kind, string Figure)[] Breakdown =
    [
        (RequestKind.DataAppend, "of which data appends"),
        (RequestKind.Refused412, "of which refused appends (412)"),
        (RequestKind.DataOther, "of which data reads and probes"),
        (RequestKind.Index, "of which index requests"),
        (RequestKind.Table, "of which table requests"),
        (RequestKind.Refused409, "of which refused (409)"),
    ];

    private const int Producers = 6;
    private const int SdkInFlight = 256;
    private const int JsonInFlight = 4;
    private const int JsonRecordsPerRequest = 16;
    private const int RecordBytes = 1024;
    private const int MaxServers = 3;

    /// <summary>Where the servers keep the log, and how a case writes it.</summary>
    /// <param name="Name">For labels: "acks=1, 1 replica" or "acks=all, 3 replicas".</param>
    /// <param name="Locations">The replica locations' connection strings.</param>
    /// <param name="Metadata">The metadata tables' connection string, or null for location 0.</param>
    /// <param name="Acks">What the producers ask for.</param>
    public sealed record Storage(string Name, IReadOnlyList<string> Locations, string? Metadata, Acks Acks);

    private sealed record CaseRound(Measurement Measurement, DateTime From, DateTime To, int BlockBytes);

    public static async Task RunAsync(BenchmarkRun run, Storage storage, RawStorage raw)
    {
        var prefix = StorageFixture.NewPrefix();
        run.Step($"scale-out, {storage.Name}: starting {MaxServers} server processes on the same storage");
        var servers = new List<ServerProcess> { await ServerProcess.StartAsync(storage.Locations, storage.Metadata, prefix).ConfigureAwait(false) };
        var traces = new List<StorageRequestTrace>();
        try
        {
            servers.AddRange(await Task.WhenAll(Enumerable.Range(1, MaxServers - 1).Select(_ => ServerProcess.StartAsync(storage.Locations, storage.Metadata, prefix))).ConfigureAwait(false));
            traces.AddRange(servers.Select(s => StorageRequestTrace.Start(s.ProcessId)));
            var stored = StoredBlocks.For(storage.Locations, prefix);
            foreach (var partitions in run.Quick ? [4] : new[] { 4, 16 })
            {
                foreach (var sdk in new[] { true, false })
                {
                    await RunConfigurationAsync(run, storage, raw, servers, traces, stored, partitions, sdk).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var trace in traces)
            {
                await trace.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>How long a case is counted: 1 s when quick (a hand-off takes longer than the run's 0.4 s), else 3 s.</summary>
    public static TimeSpan Duration(BenchmarkRun run) => run.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3);

    /// <summary>Whether a 3-server round falls short of a target: records/s below 90% of 1 server's, or p99 above twice its.</summary>
    public static bool FallsShort(double recordsPerSecond, double oneServerRecordsPerSecond, double p99, double oneServerP99) =>
        !(recordsPerSecond >= 0.9 * oneServerRecordsPerSecond) || !(p99 <= 2 * oneServerP99);

    private static string Label(bool sdk, int partitions, Storage storage, int servers) =>
        $"{(sdk ? "binary, SDK" : "JSON, HttpClient")}, {partitions} partitions, {storage.Name}, {servers} server(s)";

    private static async Task RunConfigurationAsync(BenchmarkRun run, Storage storage, RawStorage raw, List<ServerProcess> servers, List<StorageRequestTrace> traces, StoredBlocks stored, int partitions, bool sdk)
    {
        var rounds = Enumerable.Range(1, MaxServers).ToDictionary(n => n, _ => new List<CaseRound>());
        var limits = new List<Measurement>();
        var measureRaw = false;
        _ = await stored.NewSinceLastAsync().ConfigureAwait(false);
        for (var r = 0; r < run.Rounds; r++)
        {
            for (var n = 1; n <= MaxServers; n++)
            {
                run.Step($"{Sections.ScaleOut}: {Label(sdk, partitions, storage, n)}, round {r + 1} of {run.Rounds}");
                rounds[n].Add(await RunCaseAsync(run, storage, servers.Take(n).ToList(), servers, stored, partitions, sdk, r).ConfigureAwait(false));
            }

            var (one, three) = (rounds[1][r].Measurement, rounds[MaxServers][r].Measurement);
            measureRaw |= r == 0 && FallsShort(three.RecordsPerSecond, one.RecordsPerSecond, three.Figures["p99 ms"], one.Figures["p99 ms"]);
            if (measureRaw)
            {
                // The measured cause: the storage's own limit at the blocks the instances wrote, in this round.
                var started = run.Now;
                var limit = await raw.AppendAsync(rounds[MaxServers][r].BlockBytes, partitions, storage.Locations.Count).ConfigureAwait(false);
                limits.Add(Paired.Timed(limit, r, started, run.Now, limit.MegabytesPerSecond));
            }
        }

        // Storage requests, counted once the traces have delivered the last round's events.
        var last = rounds.Values.SelectMany(v => v).Max(c => c.To);
        foreach (var trace in traces)
        {
            await trace.WaitUntilSeenAsync(last, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        foreach (var round in rounds.Values.SelectMany(v => v))
        {
            var requests = traces.Sum(t => t.CountBetween(round.From, round.To));
            var records = round.Measurement.RecordsPerSecond * (round.To - round.From).TotalSeconds;
            round.Measurement.Figures["storage requests per second"] = requests / (round.To - round.From).TotalSeconds;
            round.Measurement.Figures[RequestsPerThousand] = records == 0 ? double.NaN : requests * 1000.0 / records;
            foreach (var (kind, figure) in Breakdown)
            {
                var some = traces.Sum(t => t.CountBetween(round.From, round.To, kind));
                round.Measurement.Figures[figure] = records == 0 ? double.NaN : some * 1000.0 / records;
            }
        }

        var combined = rounds.ToDictionary(p => p.Key, p => RoundStatistics.Combine(Sections.ScaleOut, Label(sdk, partitions, storage, p.Key), [.. p.Value.Select(c => c.Measurement)]));
        var oneServer = run.Add(combined[1]);
        for (var n = 2; n <= MaxServers; n++)
        {
            var row = Paired.Versus(combined[n], oneServer, "records/s");
            row.Figures[P99VersusOneServer] = row.Figures["p99 ms"] / oneServer.Figures["p99 ms"];
            run.Add(row);
        }

        if (limits.Count > 0)
        {
            var limitRow = run.Add(RoundStatistics.Combine(Sections.RawAppend, $"{Paired.Kib(RoundStatistics.Median(limits.Select(l => l.Figures["block KiB"])))} blocks, {limits[0].Case}, for {Sections.ScaleOut}: {Label(sdk, partitions, storage, MaxServers)}", limits));
            var three = combined[MaxServers] with
            {
                Case = Label(sdk, partitions, storage, MaxServers) + ", of raw AppendBlock",
                Rounds = [.. rounds[MaxServers].Select(c => c.Measurement.Rounds[0] with { Value = c.Measurement.MegabytesPerSecond })],
                Figures = new(combined[MaxServers].Figures),
            };
            run.Add(Paired.Versus(three, limitRow, "MB/s"));
        }
    }

    private static async Task<CaseRound> RunCaseAsync(BenchmarkRun run, Storage storage, List<ServerProcess> active, List<ServerProcess> all, StoredBlocks stored, int partitions, bool sdk, int round)
    {
        var topic = "scale-" + Guid.NewGuid().ToString("N")[..8];
        await new CloudLogAdminClient(active[0].Endpoint).CreateTopicAsync(topic, partitions, replicationFactor: storage.Locations.Count).ConfigureAwait(false);
        foreach (var server in all)
        {
            server.ResetPeak();
        }

        var started = run.Now;
        var duration = Duration(run);
        var grace = TimeSpan.FromSeconds(5); // how long a record may take past the window (256 in flight per producer take seconds on a busy machine)
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        LoadWindow window;
        if (sdk)
        {
            // Idempotent where the acks allow it (an idempotent producer needs acks=all, as in Kafka).
            var options = new CloudLogProducerClientOptions { Acks = storage.Acks, EnableIdempotence = storage.Acks == Acks.All, DeliveryTimeout = grace };
            var clients = Enumerable.Range(0, Producers).Select(p => new CloudLogProducerClient(active[p % active.Count].Endpoint, options)).ToList();
            try
            {
                window = await RunWindowAsync(duration, grace, Producers * SdkInFlight, Producers, async (lane, token) =>
                {
                    await clients[lane % Producers].ProduceAsync(topic, new CloudLogMessage(null, new BinaryData(value)), token).ConfigureAwait(false);
                    return 1;
                }).ConfigureAwait(false);
            }
            finally
            {
                foreach (var client in clients)
                {
                    try
                    {
                        await client.DisposeAsync().ConfigureAwait(false);
                    }
                    catch (CloudLogException)
                    {
                        // Records still undelivered at the end: already counted as not acknowledged.
                    }
                }
            }
        }
        else
        {
            var text = new string('x', RecordBytes);
            var acks = storage.Acks == Acks.All ? "all" : "1";
            var body = Encoding.UTF8.GetBytes("{\"acks\":\"" + acks + "\",\"records\":[" + string.Join(",", Enumerable.Repeat($"{{\"value\":\"{text}\"}}", JsonRecordsPerRequest)) + "]}");
            var clients = Enumerable.Range(0, Producers).Select(p => new HttpClient { BaseAddress = active[p % active.Count].Endpoint }).ToList();
            try
            {
                var path = new Uri($"/api/topics/{topic}/records", UriKind.Relative);
                window = await RunWindowAsync(duration, grace, Producers * JsonInFlight, Producers, async (lane, token) =>
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var response = await clients[lane % Producers].PostAsync(path, content, token).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    return JsonRecordsPerRequest;
                }).ConfigureAwait(false);
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }

        var written = await stored.NewSinceLastAsync().ConfigureAwait(false);
        var blockBytes = written.BlockBytes(fallback: RecordBytes);
        var seconds = (window.To - window.From).TotalSeconds;
        run.Step($"          {window.Records:N0} records acknowledged in {seconds:0.#} s, {window.Failures:N0} produce calls failed, {window.Unfinished:N0} unacknowledged at the end");
        var measurement = new Measurement(Sections.ScaleOut, "")
        {
            RecordsPerSecond = window.Records / seconds,
            MegabytesPerSecond = window.Records * (double)RecordBytes / seconds / (1024 * 1024),
            RequestsPerSecond = sdk ? 0 : window.Latencies.Count / seconds,
            Figures = new(new LoadResult(window.Latencies.Count, window.Records, 0, duration, window.Latencies).LatencyFigures())
            {
                ["failed produce calls"] = window.Failures,
                ["unacknowledged at the end"] = window.Unfinished,
                ["block KiB"] = blockBytes / 1024.0,
                ["index appends per data block"] = written.IndexAppendsPerDataBlock,
                [HttpSection.ServerPeakRss] = all.Max(s => s.PeakRssMib),
            },
        };
        return new CaseRound(Paired.Timed(measurement, round, started, run.Now, measurement.RecordsPerSecond), window.From, window.To, blockBytes);
    }

    private sealed record LoadWindow(long Records, long Failures, long Unfinished, IReadOnlyList<double> Latencies, DateTime From, DateTime To);

    /// <summary>
    /// Runs <paramref name="lanes"/> lanes of <paramref name="operation"/> (each answers the records it had
    /// acknowledged): a warm-up of at least a fifth of <paramref name="duration"/> and until every producer (lane
    /// modulo <paramref name="producers"/>) has had an operation acknowledged (or the grace and the duration have
    /// passed), uncounted; then
    /// <paramref name="duration"/>, in which an operation counts when it started. A lane still waiting
    /// <paramref name="grace"/> after the window stops waiting: that operation counts as not acknowledged.
    /// </summary>
    private static async Task<LoadWindow> RunWindowAsync(TimeSpan duration, TimeSpan grace, int lanes, int producers, Func<int, CancellationToken, Task<int>> operation)
    {
        var warmUpAtMost = grace + duration; // a collapsed case may never acknowledge some producer: count it anyway
        var clock = Stopwatch.StartNew();
        var windowStart = TimeSpan.MaxValue.Ticks;
        var windowEnd = TimeSpan.MaxValue.Ticks;
        using var hardStop = new CancellationTokenSource();
        long records = 0, failures = 0, unfinished = 0;
        var acknowledgedProducers = new bool[producers];
        var latencies = new ConcurrentBag<double>();
        var running = Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            while (clock.Elapsed.Ticks is var started && started < Volatile.Read(ref windowEnd))
            {
                var counted = started >= Volatile.Read(ref windowStart);
                try
                {
                    var acknowledged = await operation(lane, hardStop.Token).ConfigureAwait(false);
                    Volatile.Write(ref acknowledgedProducers[lane % producers], true);
                    if (counted)
                    {
                        Interlocked.Add(ref records, acknowledged);
                        latencies.Add((clock.Elapsed - TimeSpan.FromTicks(started)).TotalMilliseconds);
                    }
                }
                catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
                {
                    if (counted)
                    {
                        Interlocked.Increment(ref unfinished);
                    }

                    return;
                }
                catch (Exception e) when (e is CloudLogException or HttpRequestException)
                {
                    if (counted)
                    {
                        Interlocked.Increment(ref failures);
                    }

                    await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
                }
            }
        })));

        await Task.Delay(duration / 5).ConfigureAwait(false);
        while (Enumerable.Range(0, producers).Any(p => !Volatile.Read(ref acknowledgedProducers[p])) && clock.Elapsed < warmUpAtMost)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }

        var from = DateTime.UtcNow;
        Volatile.Write(ref windowStart, clock.Elapsed.Ticks);
        await Task.Delay(duration).ConfigureAwait(false);
        Volatile.Write(ref windowEnd, clock.Elapsed.Ticks);
        var to = DateTime.UtcNow;
        hardStop.CancelAfter(grace);
        await running.ConfigureAwait(false);
        return new LoadWindow(records, failures, unfinished, [.. latencies], from, to);
    }
}

using System.Runtime.InteropServices;
using Cloud.Log.Benchmarks;
using Cloud.Log.Core;
using Cloud.Log.Core.Storage;
using Cloud.Log.Testing;

// Cloud.Log's benchmark: the log against the storage's own limit and against Storage Queues, measured side
// by side in one run on Azurite processes it starts itself. `--quick` runs every case briefly in one round (for
// the smoke test); `--rounds N` measures each ratio's case and limit in N alternating rounds (default 3);
// `--out DIR` says where results.md and results.json go (default artifacts/benchmarks); `--results DIR` where
// the run's results file goes (default docs/benchmarks for a full run, the --out folder for a quick one);
// `--only a,b` runs only the parts named (engine, scaling, fetch, produce, latency, queues, scaleout, coldstart, kafka, cost).
return await BenchmarkProgram.RunAsync(args, Console.Out).ConfigureAwait(false);

/// <summary>The benchmark's steps, callable from a test.</summary>
internal static class BenchmarkProgram
{
    /// <summary>What the program takes; anything else (--help among it) prints this and runs nothing.</summary>
    public const string Usage = """
        Usage: ./bench.sh [--quick] [--rounds N] [--only PARTS] [--out DIR] [--results DIR]
          --quick          every case briefly, in one round (the smoke test's run)
          --rounds N       each ratio's case and limit in N alternating rounds (default 3)
          --only PARTS     only these, comma-separated: engine, scaling, fetch, produce, latency, queues, scaleout, coldstart, kafka, cost
          --out DIR        where results.md and results.json go (default artifacts/benchmarks)
          --results DIR    where the run's results file goes (default docs/benchmarks for a full run, DIR of --out for a quick one)
        A full run takes about 25 minutes on 2 cores (docs/benchmarks.md).
        """;

    private static readonly string[] Flags = ["--quick"];

    private static readonly string[] Options = ["--rounds", "--only", "--out", "--results"];

    public static async Task<int> RunAsync(string[] args, TextWriter console)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (Options.Contains(args[i]) && i + 1 < args.Length)
            {
                i++;
            }
            else if (!Flags.Contains(args[i]))
            {
                var help = args[i] is "--help" or "-h";
                await console.WriteLineAsync(help ? Usage : $"Unknown argument '{args[i]}'.\n{Usage}").ConfigureAwait(false);
                return help ? 0 : 2;
            }
        }

        var quick = args.Contains("--quick");
        var outIndex = Array.IndexOf(args, "--out");
        var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine(ServerProcess.RepositoryRoot(), "artifacts", "benchmarks");
        var onlyIndex = Array.IndexOf(args, "--only");
        var only = onlyIndex >= 0 && onlyIndex + 1 < args.Length ? args[onlyIndex + 1].Split(',') : null;
        bool Runs(string part) => only is null || only.Contains(part);
        var roundsIndex = Array.IndexOf(args, "--rounds");
        int? rounds = roundsIndex >= 0 && roundsIndex + 1 < args.Length && int.TryParse(args[roundsIndex + 1], System.Globalization.CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
        var resultsIndex = Array.IndexOf(args, "--results");
        var resultsFolder = resultsIndex >= 0 && resultsIndex + 1 < args.Length ? args[resultsIndex + 1] : quick ? output : Path.Combine(ServerProcess.RepositoryRoot(), "docs", "benchmarks");
        var run = new BenchmarkRun(quick, console, rounds);
        Describe(run);
        run.Step($"{run.Rounds} round(s) per ratio, {run.Duration.TotalSeconds:0.#} s per case after a warm-up of {run.Duration.TotalSeconds / 5:0.##} s");

        run.Step("starting Azurite: one for the single-location runs, three replica locations and a metadata one for acks=all");
        await using var single = await AzuriteProcess.StartAsync().ConfigureAwait(false);

        // The replica locations only for the parts that write to three (a one-part run of another starts one Azurite).
        var needsReplicas = Runs("engine") || Runs("scaleout") || Runs("cost");
        await using var replicated = needsReplicas ? await ReplicatedStorage.StartAsync(3).ConfigureAwait(false) : null;
        run.Processes["benchmark"] = Environment.ProcessId;
        run.Processes["Azurite"] = single.ProcessId;
        var rawSingle = await RawStorage.CreateAsync(run, [single.ConnectionString]).ConfigureAwait(false);
        var rawReplicated = replicated is null ? null : await RawStorage.CreateAsync(run, replicated.Replicas.Select(r => r.ConnectionString)).ConfigureAwait(false);
        var location = StorageLocation.FromConnectionString("azurite", single.ConnectionString);

        // 1. The limit's unit for latency; the other limits are measured where a case needs them, at its block size.
        var roundTrip = await rawSingle.RoundTripMsAsync().ConfigureAwait(false);

        // 2. The engine, no HTTP.
        if (Runs("engine"))
        {
            await EngineSection.RunReplicatedAsync(run, prefix => replicated!.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }), [.. replicated!.Replicas.Select(a => a.ConnectionString)], rawReplicated!).ConfigureAwait(false);
        }

        if (Runs("scaling"))
        {
            await EngineSection.RunPartitionScalingAsync(run, prefix => CloudLogEngine.CreateAsync([location], new CloudLogEngineOptions { ResourcePrefix = prefix }), single.ConnectionString, rawSingle).ConfigureAwait(false);
        }

        if (Runs("latency"))
        {
            await using var engine = await CloudLogEngine.CreateAsync([location], new CloudLogEngineOptions { ResourcePrefix = StorageFixture.NewPrefix() }).ConfigureAwait(false);
            await EngineSection.RunAckLatencyAsync(run, engine).ConfigureAwait(false);
        }

        // 4 (engine). A topic written by one engine, read cold by another.
        const int FetchPartitions = 8;
        var perPartition = (quick ? 2L : 16L) * 1024 * 1024;
        var fetchPrefix = StorageFixture.NewPrefix();
        var rawReadBlob = Math.Min(64L * 1024 * 1024, perPartition * FetchPartitions);
        var fetchTopic = "";
        var fetchBlockBytes = 0;
        if (Runs("fetch"))
        {
            await using (var writer = await CloudLogEngine.CreateAsync([location], new CloudLogEngineOptions { ResourcePrefix = fetchPrefix }).ConfigureAwait(false))
            {
                (fetchTopic, fetchBlockBytes) = await FetchSection.FillAsync(run, writer, StoredBlocks.For(single.ConnectionString, fetchPrefix), FetchPartitions, perPartition).ConfigureAwait(false);
            }

            await using var reader = await CloudLogEngine.CreateAsync([location], new CloudLogEngineOptions { ResourcePrefix = fetchPrefix, TailCacheBytesPerPartition = 0 }).ConfigureAwait(false);
            await FetchSection.RunAsync(run, reader, fetchTopic, FetchPartitions, rawSingle, rawReadBlob, fetchBlockBytes).ConfigureAwait(false);
        }

        // 3 and the latency of 4: the server as its own process.
        run.Step("starting the server");
        var serverPrefix = StorageFixture.NewPrefix();
        var coldTopics = Enumerable.Range(0, run.Rounds).Select(_ => "cold-" + Guid.NewGuid().ToString("N")[..8]).ToList();
        await using (var server = await ServerProcess.StartAsync(single.ConnectionString, serverPrefix).ConfigureAwait(false))
        {
            if (Runs("produce"))
            {
                await HttpSection.RunProduceAsync(run, server, rawSingle, StoredBlocks.For(single.ConnectionString, serverPrefix)).ConfigureAwait(false);
            }

            if (Runs("latency"))
            {
                await HttpSection.RunLatencyAsync(run, server, roundTrip).ConfigureAwait(false);
            }

            // 5. Storage Queues' sends, in rounds with the log's produce.
            if (Runs("queues"))
            {
                var admin = new Cloud.Log.Client.CloudLogAdminClient(server.Endpoint);
                var stored = StoredBlocks.For(single.ConnectionString, serverPrefix);
                var value = new byte[1024];
                Random.Shared.NextBytes(value);
                await QueueSection.RunSendAsync(run, single.ConnectionString, async () => (await HttpSection.ProduceRoundAsync(run, server, admin, stored, "log produce, binary, SDK, 16 producer(s)", 16, binary: true, value, HttpSection.JsonBody()).ConfigureAwait(false)).Measurement).ConfigureAwait(false);
            }

            // One topic per cold-start round, never written: no earlier process holds its partition.
            foreach (var coldTopic in coldTopics)
            {
                await new Cloud.Log.Client.CloudLogAdminClient(server.Endpoint).CreateTopicAsync(coldTopic, 1, replicationFactor: 1).ConfigureAwait(false);
            }
        }

        // 7. Cold start: a fresh process over the storage the server above left.
        if (Runs("coldstart"))
        {
            await ColdStartSection.RunAsync(run, single.ConnectionString, serverPrefix, coldTopics).ConfigureAwait(false);
        }

        // 4 (HTTP): a server over the filled topic, its tail cache off so that reads come from storage.
        if (Runs("fetch"))
        {
            run.Step("starting a server over the filled topic");
            await using var server = await ServerProcess.StartAsync(single.ConnectionString, fetchPrefix, new Dictionary<string, string> { ["CloudLog__Engine__TailCacheBytesPerPartition"] = "0" }).ConfigureAwait(false);
            run.Processes["server"] = server.ProcessId;
            await HttpSection.RunFetchAsync(run, server, fetchTopic, FetchPartitions, rawSingle, rawReadBlob, fetchBlockBytes).ConfigureAwait(false);

            // 5. Storage Queues' receives, in rounds with the log's fetch.
            if (Runs("queues"))
            {
                await QueueSection.RunReceiveAsync(run, single.ConnectionString, () => HttpSection.ConsumeRoundAsync(run, server, fetchTopic, FetchPartitions, fetchBlockBytes, "log fetch, SDK consumer, 8 partition(s)")).ConfigureAwait(false);
            }
        }


        // 6. Scale-out: 1, 2 and 3 server processes on the same storage, one location and three.
        if (Runs("scaleout"))
        {
            await ScaleOutSection.RunAsync(run, new ScaleOutSection.Storage("acks=1, 1 replica", [single.ConnectionString], null, Cloud.Log.Protocol.Acks.Leader), rawSingle).ConfigureAwait(false);
            await ScaleOutSection.RunAsync(run, new ScaleOutSection.Storage("acks=all, 3 replicas", [.. replicated!.Replicas.Select(a => a.ConnectionString)], replicated.Metadata.ConnectionString, Cloud.Log.Protocol.Acks.All), rawReplicated!).ConfigureAwait(false);
        }

        // 8. Kafka's wire protocol through Confluent.Kafka, and its compression types.
        if (Runs("kafka"))
        {
            await KafkaSection.RunAsync(run, single.ConnectionString, rawSingle).ConfigureAwait(false);
        }

        // 9. Cost: storage requests and executions per million records and per idle day, counted.
        if (Runs("cost"))
        {
            await CostSection.RunProduceAsync(run, prefix => CloudLogEngine.CreateAsync([location], new CloudLogEngineOptions { ResourcePrefix = prefix }), "1 location, acks=1", 1, Cloud.Log.Protocol.Acks.Leader).ConfigureAwait(false);
            await CostSection.RunProduceAsync(run, prefix => replicated!.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }), "3 replicas, acks=all", 3, Cloud.Log.Protocol.Acks.All).ConfigureAwait(false);
            await CostSection.RunIdleAsync(run, prefix => replicated!.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix })).ConfigureAwait(false);
        }

        run.Machine["commit"] = ResultsFile.Commit(ServerProcess.RepositoryRoot());
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "results.md"), Report.Markdown(run)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(output, "results.json"), Report.JsonDocument(run)).ConfigureAwait(false);
        var resultsFile = await ResultsFile.WriteAsync(run, resultsFolder, DateTimeOffset.UtcNow).ConfigureAwait(false);
        await console.WriteLineAsync().ConfigureAwait(false);
        await console.WriteLineAsync(Report.Table(run)).ConfigureAwait(false);
        await console.WriteLineAsync($"Written: {Path.Combine(output, "results.md")}, results.json, and the run's results file {resultsFile}").ConfigureAwait(false);
        return 0;
    }

    private static void Describe(BenchmarkRun run)
    {
        run.Machine["cores"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        run.Machine["os"] = RuntimeInformation.OSDescription;
        run.Machine[".NET"] = RuntimeInformation.FrameworkDescription;
        if (File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } cpu)
        {
            run.Machine["cpu"] = cpu.Split(':', 2)[1].Trim();
        }

        if (File.Exists("/proc/meminfo") && File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal)) is { } memory)
        {
            run.Machine["memory"] = memory.Split(':', 2)[1].Trim();
        }

        var azurite = Path.Combine(ServerProcess.RepositoryRoot(), "node_modules", "azurite", "package.json");
        if (File.Exists(azurite))
        {
            using var package = System.Text.Json.JsonDocument.Parse(File.ReadAllText(azurite));
            run.Machine["azurite"] = package.RootElement.GetProperty("version").GetString() ?? "?";
        }
    }
}

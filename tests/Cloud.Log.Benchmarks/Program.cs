using System.Runtime.InteropServices;
using Cloud.Log.Benchmarks;
using Cloud.Log.Core;
using Cloud.Log.Core.Storage;
using Cloud.Log.Testing;

// Cloud.Log's benchmark: the log against the storage's own limit and against Storage Queues, measured side
// by side in one run on Azurite processes it starts itself. `--quick` runs every case briefly (for the smoke
// test); `--out DIR` says where results.md and results.json go (default artifacts/benchmarks); `--only a,b`
// runs only the parts named (engine, scaling, fetch, produce, latency, queues), e.g. to profile one.
return await BenchmarkProgram.RunAsync(args, Console.Out).ConfigureAwait(false);

/// <summary>The benchmark's steps, callable from a test.</summary>
internal static class BenchmarkProgram
{
    public static async Task<int> RunAsync(string[] args, TextWriter console)
    {
        var quick = args.Contains("--quick");
        var outIndex = Array.IndexOf(args, "--out");
        var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine(ServerProcess.RepositoryRoot(), "artifacts", "benchmarks");
        var onlyIndex = Array.IndexOf(args, "--only");
        var only = onlyIndex >= 0 && onlyIndex + 1 < args.Length ? args[onlyIndex + 1].Split(',') : null;
        bool Runs(string part) => only is null || only.Contains(part);
        var run = new BenchmarkRun(quick, console);
        Describe(run);

        run.Step("starting Azurite: one for the single-location runs, three replica locations and a metadata one for acks=all");
        await using var single = await AzuriteProcess.StartAsync().ConfigureAwait(false);
        await using var replicated = await ReplicatedStorage.StartAsync(3).ConfigureAwait(false);
        run.Processes["benchmark"] = Environment.ProcessId;
        run.Processes["Azurite"] = single.ProcessId;
        var rawSingle = await RawStorage.CreateAsync(run, [single.ConnectionString]).ConfigureAwait(false);
        var rawReplicated = await RawStorage.CreateAsync(run, replicated.Replicas.Select(r => r.ConnectionString)).ConfigureAwait(false);
        var location = StorageLocation.FromConnectionString("azurite", single.ConnectionString);

        // 1. The limit's unit for latency; the other limits are measured where a case needs them, at its block size.
        var roundTrip = await rawSingle.RoundTripMsAsync().ConfigureAwait(false);

        // 2. The engine, no HTTP.
        if (Runs("engine"))
        {
            await EngineSection.RunReplicatedAsync(run, () => replicated.CreateEngineAsync(new CloudLogEngineOptions()), rawReplicated).ConfigureAwait(false);
        }

        if (Runs("scaling"))
        {
            await EngineSection.RunPartitionScalingAsync(run, () => CloudLogEngine.CreateAsync([location], new CloudLogEngineOptions { ResourcePrefix = StorageFixture.NewPrefix() }), rawSingle).ConfigureAwait(false);
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
        }

        // 4 (HTTP): a server over the filled topic, its tail cache off so that reads come from storage.
        if (Runs("fetch"))
        {
            run.Step("starting a server over the filled topic");
            await using var server = await ServerProcess.StartAsync(single.ConnectionString, fetchPrefix, new Dictionary<string, string> { ["CloudLog__Engine__TailCacheBytesPerPartition"] = "0" }).ConfigureAwait(false);
            run.Processes["server"] = server.ProcessId;
            await HttpSection.RunFetchAsync(run, server, fetchTopic, FetchPartitions, rawSingle, rawReadBlob, fetchBlockBytes).ConfigureAwait(false);
        }

        // 5. Storage Queues.
        if (Runs("queues"))
        {
            await QueueSection.RunAsync(run, single.ConnectionString).ConfigureAwait(false);
        }

        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "results.md"), Report.Markdown(run)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(output, "results.json"), Report.JsonDocument(run)).ConfigureAwait(false);
        await console.WriteLineAsync().ConfigureAwait(false);
        await console.WriteLineAsync(Report.Table(run)).ConfigureAwait(false);
        await console.WriteLineAsync($"Written: {Path.Combine(output, "results.md")} and results.json").ConfigureAwait(false);
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

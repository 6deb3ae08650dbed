using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cloud.Log.Client;

namespace Cloud.Log.Soak;

/// <summary>The soak run's steps: start everything, load and faults for the run's length, heal, check, report.</summary>
internal static class SoakRun
{
    /// <summary>The replicated topic: rf 3, min.insync.replicas 2, small segments so that rolls happen under faults.</summary>
    public const string Replicated = "soak-r3";

    /// <summary>The topic with one copy.</summary>
    public const string Single = "soak-r1";

    private static long s_start = Stopwatch.GetTimestamp();

    public static async Task<int> RunAsync(string[] args, TextWriter console)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        s_start = Stopwatch.GetTimestamp();
        var minutes = double.Parse(Argument(args, "--minutes") ?? "10", CultureInfo.InvariantCulture);
        var seed = int.Parse(Argument(args, "--seed") ?? Random.Shared.Next(1, 1_000_000).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var faults = !args.Contains("--no-faults");
        var output = Argument(args, "--out") ?? Path.Combine(RepositoryRoot(), "artifacts", "soak");
        Directory.CreateDirectory(output);
        var random = new Random(seed);
        console.WriteLine($"soak: {minutes} min, seed {seed}, faults {(faults ? "on" : "off")}; logs in {output}");

        var nodes = await Task.WhenAll(new[] { "metadata", "location0", "location1", "location2" }.Select(StorageNode.StartAsync)).ConfigureAwait(false);
        var servers = new List<ServerInstance>();
        await using var faultLog = new StreamWriter(Path.Combine(output, "faults.log")) { AutoFlush = true };
        await using var details = new StreamWriter(Path.Combine(output, "violations.log")) { AutoFlush = true };
        try
        {
            var metadata = nodes[0];
            var replicas = nodes[1..];
            var prefix = "soak" + random.Next(0, int.MaxValue).ToString("x8", CultureInfo.InvariantCulture);
            var locations = replicas.Select(r => r.ProxiedConnectionString).ToList();
            servers.Add(await ServerInstance.StartAsync(0, locations, metadata.ProxiedConnectionString, prefix, output).ConfigureAwait(false));
            servers.AddRange(await Task.WhenAll(Enumerable.Range(1, 2).Select(i => ServerInstance.StartAsync(i, locations, metadata.ProxiedConnectionString, prefix, output))).ConfigureAwait(false));
            console.WriteLine($"soak: 4 Azurite locations behind fault proxies, 3 servers ({string.Join(", ", servers.Select(s => s.Endpoint))})");

            using var http = Cluster.NewHttpClient();
            await CreateTopicAsync(http, servers[0], Replicated, partitions: 3, replicationFactor: 3, minInsync: 2).ConfigureAwait(false);
            var singleCopy = await CreateTopicAsync(http, servers[0], Single, partitions: 1, replicationFactor: 1, minInsync: 1).ConfigureAwait(false);
            var topics = new List<(string Topic, int Partitions)> { (Replicated, 3), (Single, 1) };

            var history = new History();
            var cluster = new Cluster(servers, history);
            using var stopWorkers = new CancellationTokenSource();
            var workers = Workers(cluster, seed).Select(w => Task.Run(() => w(stopWorkers.Token))).ToList();

            var injector = new FaultInjector(cluster, replicas, metadata, prefix, singleCopy, seed, faultLog);
            using (var stopFaults = new CancellationTokenSource(TimeSpan.FromMinutes(minutes)))
            {
                var injecting = faults ? injector.RunAsync(stopFaults.Token) : Task.CompletedTask;
                await Task.Delay(TimeSpan.FromMinutes(minutes)).ConfigureAwait(false);
                await injecting.ConfigureAwait(false); // the last fault heals before it returns
            }

            await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false); // healed: let retries finish
            await stopWorkers.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(workers).ConfigureAwait(false);

            // Every partition takes a write again once the faults are over, through each server (a minute at most).
            var probes = servers.SelectMany(server => topics.SelectMany(t => Enumerable.Range(0, t.Partitions).Select(p => ProbeAsync(http, history, server, t.Topic, p)))).ToList();
            var unwritable = (await Task.WhenAll(probes).ConfigureAwait(false)).OfType<string>().ToList();

            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            servers.Clear();
            await File.WriteAllLinesAsync(
                Path.Combine(output, "acks.log"),
                history.Acks.OrderBy(a => a.AckedAt).Select(a => string.Create(CultureInfo.InvariantCulture, $"{Seconds(a.AckedAt):0.000} s {a.Producer} #{a.Sequence} {a.Topic}/{a.Partition}@{a.Offset} {a.Value}"))).ConfigureAwait(false);
            var checker = new Checker(history, details);
            await checker.CheckAsync(replicas, metadata, prefix, topics).ConfigureAwait(false);
            var violations = new SortedDictionary<string, int>(checker.Violations, StringComparer.Ordinal)
            {
                ["unwritable"] = unwritable.Count,
                ["unhealed"] = injector.Failures.Count,
            };
            foreach (var line in unwritable.Select(u => $"unwritable: {u}").Concat(injector.Failures.Select(f => $"unhealed: {f}")))
            {
                await details.WriteLineAsync(line).ConfigureAwait(false);
            }

            var order = Checker.Kinds.Append("unwritable").Append("unhealed");
            var faultCounts = injector.Counts.Count == 0 ? "none" : string.Join(", ", injector.Counts.Select(c => $"{c.Key} {c.Value}"));
            console.WriteLine(
                $"soak: {minutes} min, seed {seed}: {history.Acks.Count} records acknowledged ({checker.StoredRecords} stored, " +
                $"{history.Reads.Sum(r => (long)r.Records.Count)} read, {history.FailedAttempts} failed attempts, {history.UnexpectedClientErrors.Count} unexpected 4xx); " +
                $"{injector.Counts.Values.Sum()} faults ({faultCounts}); violations: {string.Join(", ", order.Select(k => $"{k} {violations[k]}"))}");
            foreach (var unexpected in history.UnexpectedClientErrors.Take(5))
            {
                console.WriteLine($"soak: unexpected 4xx: {unexpected}");
            }

            var total = violations.Values.Sum();
            if (total > 0)
            {
                console.WriteLine($"soak: {total} violation(s), described in {Path.Combine(output, "violations.log")}; faults in {Path.Combine(output, "faults.log")}");
            }

            return total == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Seconds since the run began, for a <see cref="Stopwatch.GetTimestamp"/> timestamp.</summary>
    public static double Seconds(long timestamp) => (timestamp - s_start) / (double)Stopwatch.Frequency;

    /// <summary>Waits, and answers false where <paramref name="stop"/> ended the wait.</summary>
    public static async Task<bool> DelayAsync(int milliseconds, CancellationToken stop)
    {
        try
        {
            await Task.Delay(milliseconds, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the soak program's directory.");
    }

    /// <summary>The producers and consumers of the run, spread over the servers and the topics.</summary>
    private static IEnumerable<Func<CancellationToken, Task>> Workers(Cluster cluster, int seed)
    {
        var s = cluster.Servers;
        yield return new HttpProducer("http-plain-0", cluster, Replicated, idempotent: false, seed + 1).RunAsync;
        yield return new HttpProducer("http-plain-1", cluster, Single, idempotent: false, seed + 2).RunAsync;
        yield return new HttpProducer("http-idem-0", cluster, Replicated, idempotent: true, seed + 3).RunAsync;
        yield return new HttpProducer("http-idem-1", cluster, Single, idempotent: true, seed + 4).RunAsync;
        yield return new SdkProducer("sdk-idem-0", cluster, s[0], Replicated, 0, idempotent: true, window: 1).RunAsync;
        yield return new SdkProducer("sdk-idem-1", cluster, s[1], Replicated, 1, idempotent: true, window: 5).RunAsync;
        yield return new SdkProducer("sdk-idem-2", cluster, s[2], Single, 0, idempotent: true, window: 3).RunAsync;
        yield return new SdkProducer("sdk-plain-0", cluster, s[2], Replicated, 2, idempotent: false, window: 3).RunAsync;
        for (var p = 0; p < 3; p++)
        {
            yield return new HttpConsumer($"http-assign-{Replicated}-{p}", cluster, Replicated, p, seed + 10 + p).RunAsync;
        }

        yield return new HttpConsumer($"http-assign-{Single}-0", cluster, Single, 0, seed + 20).RunAsync;
        TopicPartition[] all = [new(Replicated, 0), new(Replicated, 1), new(Replicated, 2), new(Single, 0)];
        yield return new SdkConsumer("sdk-assign", cluster, s[0], group: null, [], all).RunAsync;
        yield return new SdkConsumer("sdk-group-0", cluster, s[1], "soak-group", [Replicated, Single], []).RunAsync;
        yield return new SdkConsumer("sdk-group-1", cluster, s[2], "soak-group", [Replicated, Single], []).RunAsync;
    }

    /// <summary>Creates a topic and answers the location of its partition 0's first replica.</summary>
    private static async Task<int> CreateTopicAsync(HttpClient http, ServerInstance server, string name, int partitions, int replicationFactor, int minInsync)
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["partitions"] = partitions,
            ["replicationFactor"] = replicationFactor,
            ["configs"] = new JsonObject { ["min.insync.replicas"] = minInsync.ToString(CultureInfo.InvariantCulture), ["segment.bytes"] = "200000" },
        };
        using var created = await http.PostAsJsonAsync(new Uri(server.Endpoint, "/api/topics"), body).ConfigureAwait(false);
        var text = await created.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating {name}: {(int)created.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("partitions")[0].GetProperty("replicas")[0].GetInt32();
    }

    /// <summary>
    /// Produces one record to a partition through one server, retrying for up to 60 s; acknowledged, it joins
    /// the history. Answers null, or what the last attempt was answered where none succeeded.
    /// </summary>
    private static async Task<string?> ProbeAsync(HttpClient http, History history, ServerInstance server, string topic, int partition)
    {
        var value = $"probe-{server.Index}-{topic}-{partition}";
        history.Sent[value] = new Sent("probe", AtMostOnce: false);
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                var body = new JsonObject { ["records"] = new JsonArray(new JsonObject { ["value"] = value, ["partition"] = partition }) };
                using var response = await http.PostAsJsonAsync(new Uri(server.Endpoint, $"/api/topics/{topic}/records"), body).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                history.Answered("probe", response, text);
                if (response.IsSuccessStatusCode)
                {
                    var offset = JsonDocument.Parse(text).RootElement.GetProperty("offsets")[0].GetProperty("offset").GetInt64();
                    history.Acks.Enqueue(new Ack("probe", 0, topic, partition, offset, value, History.Now(), Ordered: false));
                    return null;
                }

                last = $"{(int)response.StatusCode} {text}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                last = e.Message;
            }

            await Task.Delay(500).ConfigureAwait(false);
        }

        return $"{topic}/{partition} through server {server.Index} took no write for 60 s after the faults ended ({At()}); the last answer: {last}";
    }

    private static string At() => string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss} UTC, {Seconds(Stopwatch.GetTimestamp()):0.0} s");

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}

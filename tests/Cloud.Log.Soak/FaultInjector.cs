using System.Globalization;
using Cloud.Log.Testing;

namespace Cloud.Log.Soak;

/// <summary>
/// Injects faults one at a time from a seeded schedule, with a pause of 2 to 6 s between them: servers killed
/// (SIGKILL, started again after 1 to 4 s) or frozen (SIGSTOP for 1 to 12 s, past lease and lag timeouts),
/// replica locations refused, hung, slowed, answering 503 or reset through their proxies (for 2 to 10 s;
/// slow also hits the metadata location), and rollbacks: a replica Azurite killed with SIGKILL and started
/// again on its data folder, losing what it acknowledged since its last save. Rollbacks spare the location
/// of the single-replica topic, whose only copy a rollback would lose by design, and, for the same reason, any
/// location that holds the only in-sync copy of a partition at the time (read from the state rows): a partition
/// down to one in-sync copy is a single-replica partition until catch-up brings the others back.
/// </summary>
internal sealed class FaultInjector(Cluster cluster, IReadOnlyList<StorageNode> replicas, StorageNode metadata, string prefix, int spareFromRollback, int seed, TextWriter log)
{
    private static readonly (string Kind, int Weight)[] Kinds =
    [
        ("kill", 3), ("pause", 3), ("refuse", 2), ("hang", 2), ("slow", 2), ("503", 2), ("reset", 2), ("rollback", 2),
    ];

    /// <summary>Faults injected, by kind.</summary>
    public SortedDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    /// <summary>Faults that could not be healed (a server that did not start again): each is a violation.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>Runs faults until <paramref name="stop"/> (the current one is healed before it returns).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var random = new Random(seed);
        var total = Kinds.Sum(k => k.Weight);
        while (await SoakRun.DelayAsync(random.Next(2000, 6000), stop).ConfigureAwait(false))
        {
            var pick = random.Next(total);
            var kind = Kinds.First(k => (pick -= k.Weight) < 0).Kind;
            Counts[kind] = Counts.GetValueOrDefault(kind) + 1;
            try
            {
                await InjectAsync(kind, random).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                // A server that does not come back is a finding of the run, not the end of it.
                Log($"FAILED: {e.Message}");
                Failures.Add($"{kind}: {e.Message}");
            }
        }
    }

    private async Task InjectAsync(string kind, Random random)
    {
        // A fault's duration is not cut short by the end of the run: the stop waits for it to heal.
        switch (kind)
        {
            case "kill":
                {
                    var server = cluster.Servers[random.Next(cluster.Servers.Count)];
                    var down = random.Next(1000, 4000);
                    Log($"kill -9 server {server.Index}, start again after {down} ms");
                    await server.KillAsync().ConfigureAwait(false);
                    await Task.Delay(down).ConfigureAwait(false);
                    await server.StartAsync().ConfigureAwait(false);
                    Log($"server {server.Index} healthy again");
                    break;
                }

            case "pause":
                {
                    var server = cluster.Servers[random.Next(cluster.Servers.Count)];
                    var frozen = random.Next(1000, 12000);
                    Log($"SIGSTOP server {server.Index} for {frozen} ms");
                    await server.PauseAsync().ConfigureAwait(false);
                    await Task.Delay(frozen).ConfigureAwait(false);
                    await server.ResumeAsync().ConfigureAwait(false);
                    break;
                }

            case "rollback":
                {
                    var onlyCopies = OnlyInSyncCopies();
                    var choices = Enumerable.Range(0, replicas.Count).Where(i => i != spareFromRollback && !onlyCopies.Contains(i)).ToList();
                    var pick = random.Next(replicas.Count); // drawn either way, so the schedule after it stays the seed's
                    if (choices.Count == 0)
                    {
                        Log($"rollback skipped: every location holds a partition's only in-sync copy ({string.Join(',', onlyCopies)})");
                        break;
                    }

                    var node = replicas[choices[pick % choices.Count]];
                    Log($"rollback of {node.Name}: kill -9 Azurite, start again on its data folder");
                    await node.RollBackAsync().ConfigureAwait(false);
                    Log($"{node.Name} back");
                    break;
                }

            case "reset":
                {
                    var node = replicas[random.Next(replicas.Count)];
                    var length = random.Next(200, 1000);
                    Log($"reset every connection to {node.Name} for {length} ms");
                    node.SetMode(FaultMode.Reset);
                    await Task.Delay(length).ConfigureAwait(false);
                    node.SetMode(FaultMode.Pass);
                    break;
                }

            default:
                {
                    var node = kind == "slow" && random.Next(4) == 0 ? metadata : replicas[random.Next(replicas.Count)];
                    var mode = kind switch
                    {
                        "refuse" => FaultMode.Refuse,
                        "hang" => FaultMode.Hang,
                        "slow" => FaultMode.Delay,
                        _ => FaultMode.ServiceUnavailable,
                    };
                    var length = random.Next(2000, 10000);
                    var latency = TimeSpan.FromMilliseconds(random.Next(50, 500));
                    Log($"{node.Name} {mode}{(mode == FaultMode.Delay ? $" {latency.TotalMilliseconds} ms per chunk" : "")} for {length} ms");
                    node.SetMode(mode, latency);
                    await Task.Delay(length).ConfigureAwait(false);
                    node.SetMode(FaultMode.Pass);
                    break;
                }
        }
    }

    private void Log(string line)
    {
        lock (log)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {SoakRun.Seconds(History.Now()),8:0.000} s  {line}"));
        }
    }

    /// <summary>The locations that are the only in-sync replica of some partition, from the state rows as stored now.</summary>
    private HashSet<int> OnlyInSyncCopies()
    {
        var rows = new Azure.Data.Tables.TableClient(metadata.DirectConnectionString, prefix + "partitions");
        return [.. rows.Query<Azure.Data.Tables.TableEntity>(select: ["RowKey", "Isr"])
            .Where(r => r.RowKey is { } key && !key.Contains('|', StringComparison.Ordinal) && r.GetString("Isr") is { } isr && !isr.Contains(',', StringComparison.Ordinal) && isr.Length > 0)
            .Select(r => int.Parse(r.GetString("Isr"), CultureInfo.InvariantCulture))];
    }
}

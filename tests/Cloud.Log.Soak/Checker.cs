using System.Globalization;
using System.Text;
using Cloud.Log.Core;
using Cloud.Log.Core.Storage;

namespace Cloud.Log.Soak;

/// <summary>
/// The Jepsen-style check: what a fresh engine with caches off reads back from every partition, straight from
/// the stores, against what the clients saw. Each violation is counted by kind and described (the first 20
/// of each kind) in the details file.
/// </summary>
internal sealed class Checker(History history, TextWriter details)
{
    /// <summary>The violation kinds, in the order the summary prints them.</summary>
    public static readonly string[] Kinds = ["lost", "duplicated", "reordered", "inconsistent", "gaps", "stale", "5xx", "unreadable"];

    private readonly Dictionary<(string Topic, int Partition), SortedDictionary<long, string>> _stored = [];

    public SortedDictionary<string, int> Violations { get; } = new(Kinds.ToDictionary(k => k, _ => 0), StringComparer.Ordinal);

    /// <summary>Records read back, over every partition.</summary>
    public long StoredRecords => _stored.Values.Sum(p => (long)p.Count);

    public async Task CheckAsync(IReadOnlyList<StorageNode> replicas, StorageNode metadata, string prefix, IReadOnlyList<(string Topic, int Partitions)> topics)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(topics);
        var locations = replicas.Select((r, i) => StorageLocation.FromConnectionString($"location{i}", r.DirectConnectionString)).ToList();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 };
        await using (var engine = await CloudLogEngine.CreateAsync(locations, options, metadataLocation: StorageLocation.FromConnectionString("metadata", metadata.DirectConnectionString)).ConfigureAwait(false))
        {
            foreach (var (topic, partitions) in topics)
            {
                for (var partition = 0; partition < partitions; partition++)
                {
                    try
                    {
                        await ReadBackAsync(engine, topic, partition).ConfigureAwait(false);
                    }
                    catch (CloudLogException e)
                    {
                        // What could be read is kept: the acknowledged records past it count as lost.
                        Violation("unreadable", $"{topic}/{partition}: the read-back failed ({e.Code}): {e.Message}");
                    }
                }
            }
        }

        Check();
    }

    /// <summary>Checks the history against what <see cref="Store"/> recorded (or the read-back) as stored.</summary>
    public void Check()
    {
        CheckAcks();
        CheckDuplicates();
        CheckOrder();
        CheckReads();
        CheckStaleReads();
        foreach (var error in history.ServerErrors)
        {
            Violation("5xx", error);
        }
    }

    /// <summary>Records a partition's stored records (the read-back does it; tests call it directly).</summary>
    public void Store(string topic, int partition, long offset, string value)
    {
        if (!_stored.TryGetValue((topic, partition), out var stored))
        {
            _stored[(topic, partition)] = stored = [];
        }

        stored[offset] = value;
    }

    private async Task ReadBackAsync(CloudLogEngine engine, string topic, int partition)
    {
        var stored = new SortedDictionary<long, string>();
        _stored[(topic, partition)] = stored;
        var start = (await engine.GetEarliestOffsetAsync(topic, partition).ConfigureAwait(false)).Offset ?? 0;
        var offset = start;
        long highWatermark;
        while (true)
        {
            var fetched = await engine.FetchAsync(topic, partition, offset, maxRecords: 10_000, maxBytes: 16 << 20).ConfigureAwait(false);
            highWatermark = fetched.HighWatermark;
            foreach (var record in fetched.Records)
            {
                if (record.Offset != offset)
                {
                    Violation("gaps", $"{topic}/{partition}: stored offsets go from {offset - 1} to {record.Offset}");
                }

                stored[record.Offset] = record.Value is { } value ? Encoding.UTF8.GetString(value.Span) : "<null>";
                offset = record.Offset + 1;
            }

            if (fetched.Records.Count == 0 || offset >= highWatermark)
            {
                break;
            }
        }

        if (offset != highWatermark)
        {
            Violation("gaps", $"{topic}/{partition}: records end at {offset}, the high watermark is {highWatermark}");
        }
    }

    private void CheckAcks()
    {
        var where = Locations();
        foreach (var ack in history.Acks)
        {
            if (!where.TryGetValue(ack.Value, out var found))
            {
                Violation("lost", $"{ack.Value} acknowledged at {ack.Topic}/{ack.Partition}@{ack.Offset} ({At(ack.AckedAt)}) is not stored; that offset holds {Holds(ack.Topic, ack.Partition, ack.Offset)}");
            }
            else if (!found.Contains((ack.Topic, ack.Partition, ack.Offset)))
            {
                Violation("inconsistent", $"{ack.Value} acknowledged at {ack.Topic}/{ack.Partition}@{ack.Offset} ({At(ack.AckedAt)}) is stored at {string.Join(", ", found.Select(f => $"{f.Topic}/{f.Partition}@{f.Offset}"))}; that offset holds {Holds(ack.Topic, ack.Partition, ack.Offset)}");
            }
        }
    }

    private void CheckDuplicates()
    {
        foreach (var (value, found) in Locations())
        {
            if (found.Count > 1 && history.Sent.TryGetValue(value, out var sent) && sent.AtMostOnce)
            {
                Violation("duplicated", $"{value} (from {sent.Producer}) is stored {found.Count} times: {string.Join(", ", found.Select(f => $"{f.Topic}/{f.Partition}@{f.Offset}"))}");
            }
        }
    }

    /// <summary>An ordered producer's acknowledged records of one partition are stored in the order it sent them.</summary>
    private void CheckOrder()
    {
        var where = Locations();
        foreach (var group in history.Acks.Where(a => a.Ordered).GroupBy(a => (a.Producer, a.Topic, a.Partition)))
        {
            Ack? previous = null;
            long previousOffset = -1;
            foreach (var ack in group.OrderBy(a => a.Sequence))
            {
                if (!where.TryGetValue(ack.Value, out var found) || !found.Any(f => f.Topic == ack.Topic && f.Partition == ack.Partition))
                {
                    continue; // lost: counted there
                }

                var offset = found.Where(f => f.Topic == ack.Topic && f.Partition == ack.Partition).Min(f => f.Offset);
                if (previous is not null && offset <= previousOffset)
                {
                    Violation("reordered", $"{ack.Value} is stored at {ack.Topic}/{ack.Partition}@{offset}, before {previous.Value} at @{previousOffset}, which was sent first");
                }

                (previous, previousOffset) = (ack, offset);
            }
        }
    }

    /// <summary>Every record a reader was handed is the one stored at its offset; reads skip no stored record.</summary>
    private void CheckReads()
    {
        var last = new Dictionary<(string Reader, string Topic, int Partition), long>();
        foreach (var read in history.Reads)
        {
            var stored = _stored.GetValueOrDefault((read.Topic, read.Partition));
            long expected = read.RequestedOffset;
            if (read.Continuous)
            {
                expected = last.TryGetValue((read.Reader, read.Topic, read.Partition), out var previous) ? previous + 1 : -1;
            }

            foreach (var (offset, value) in read.Records)
            {
                if (stored is null || !stored.TryGetValue(offset, out var held) || held != value)
                {
                    Violation("inconsistent", $"{read.Reader} read {value} at {read.Topic}/{read.Partition}@{offset}; that offset holds {Holds(read.Topic, read.Partition, offset)}");
                }

                if (expected >= 0 && offset > expected && stored is not null && stored.Keys.Any(k => k >= expected && k < offset))
                {
                    Violation("gaps", $"{read.Reader} read {read.Topic}/{read.Partition}@{offset} next after @{expected - 1}, skipping stored records");
                }

                expected = offset + 1;
            }

            if (read.Continuous && read.Records.Count > 0)
            {
                last[(read.Reader, read.Topic, read.Partition)] = read.Records[^1].Offset;
            }
        }
    }

    /// <summary>No fetch answered a high watermark below an offset acknowledged before it began.</summary>
    private void CheckStaleReads()
    {
        var acks = history.Acks.GroupBy(a => (a.Topic, a.Partition)).ToDictionary(g => g.Key, g => g.OrderBy(a => a.AckedAt).ToList());
        foreach (var group in history.Reads.Where(r => r.HighWatermark >= 0).GroupBy(r => (r.Topic, r.Partition)))
        {
            var acked = acks.GetValueOrDefault(group.Key) ?? [];
            var next = 0;
            Ack? highest = null;
            foreach (var read in group.OrderBy(r => r.StartedAt))
            {
                while (next < acked.Count && acked[next].AckedAt < read.StartedAt)
                {
                    if (highest is null || acked[next].Offset > highest.Offset)
                    {
                        highest = acked[next];
                    }

                    next++;
                }

                if (highest is not null && read.HighWatermark <= highest.Offset)
                {
                    Violation("stale", $"{read.Reader} began a fetch of {read.Topic}/{read.Partition} at {At(read.StartedAt)} and was answered high watermark {read.HighWatermark}, after {highest.Value} was acknowledged at @{highest.Offset} ({At(highest.AckedAt)})");
                }
            }
        }
    }

    private Dictionary<string, List<(string Topic, int Partition, long Offset)>> Locations()
    {
        var where = new Dictionary<string, List<(string, int, long)>>(StringComparer.Ordinal);
        foreach (var ((topic, partition), records) in _stored)
        {
            foreach (var (offset, value) in records)
            {
                if (!where.TryGetValue(value, out var list))
                {
                    where[value] = list = [];
                }

                list.Add((topic, partition, offset));
            }
        }

        return where;
    }

    private string Holds(string topic, int partition, long offset) =>
        _stored.GetValueOrDefault((topic, partition)) is { } stored && stored.TryGetValue(offset, out var value) ? value : "nothing";

    private static string At(long timestamp) => string.Create(CultureInfo.InvariantCulture, $"{SoakRun.Seconds(timestamp):0.000} s");

    private void Violation(string kind, string detail)
    {
        var count = ++Violations[kind];
        if (count <= 20)
        {
            details.WriteLine($"{kind}: {detail}");
        }
    }
}

// Usage: Cloud.Log.Core.TestWriter <metadata connection string> <replica connection strings, joined by '|'>
//                                   <resource prefix> <topic> <records> <tag> [unused] [idempotent|plain]
// Produces <records> records valued "<tag>-<i>" to partition 0, four at a time, with its own engine (own
// storage clients), and prints "ack <offset> <value> <timestamp>" for each acknowledgement, where the
// timestamp is Stopwatch.GetTimestamp() (the machine's monotonic clock, shared by every process on it).
// Idempotent (the default): each record carries its own idempotency key, and what a retry can mend is retried.
// Plain: no idempotence and no retry (a retry of an ambiguous failure could store a record twice).
// Meanwhile it reads the partition's high watermark over and over and prints "hw <timestamp> <offset>" with
// the timestamp taken before each read began, so a test can check that no read answered less than what was
// acknowledged before it started, by any process.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;

var metadata = StorageLocation.FromConnectionString("metadata", args[0]);
var replicas = args[1].Split('|').Select((c, i) => StorageLocation.FromConnectionString($"location{i}", c)).ToList();
var (prefix, topic, count, tag) = (args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
var idempotent = args.Length <= 7 || args[7] != "plain";
var options = new CloudLogEngineOptions
{
    ResourcePrefix = prefix,
    ReplicaLagTimeMax = TimeSpan.FromSeconds(2),
    MetadataCacheTtl = TimeSpan.FromMilliseconds(200),
};
await using var engine = await CloudLogEngine.CreateAsync(replicas, options, metadataLocation: metadata);
var output = Console.Out;
void Print(string line)
{
    lock (output)
    {
        output.WriteLine(line);
    }
}

using var done = new CancellationTokenSource();
var watcher = Task.Run(async () =>
{
    while (!done.IsCancellationRequested)
    {
        var startedAt = Stopwatch.GetTimestamp();
        try
        {
            var latest = await engine.GetLatestOffsetAsync(topic, 0, done.Token);
            Print($"hw {startedAt} {latest.Offset}");
        }
        catch (Exception e) when (e is CloudLogException or OperationCanceledException)
        {
        }

        await Task.Delay(20, CancellationToken.None);
    }
});

var next = -1;
var workers = Enumerable.Range(0, 4).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < count)
    {
        var value = $"{tag}-{i}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await engine.ProduceAsync(topic, [new ProduceRecord(null, Encoding.UTF8.GetBytes(value), Partition: 0)], Acks.All, idempotent ? ProducerIdempotence.ForIdempotencyKey(value) : null);
                Print($"ack {result[0].Offset} {value} {Stopwatch.GetTimestamp()}");
                break;
            }
            catch (CloudLogException e) when (idempotent && e.IsRetriable && attempt < 100)
            {
                await Task.Delay(100);
            }
            catch (CloudLogException e) when (!idempotent)
            {
                Print($"failed {value} {e.Code}");
                break;
            }
        }
    }
});
await Task.WhenAll(workers);
await done.CancelAsync();
await watcher;
Console.Out.Flush();

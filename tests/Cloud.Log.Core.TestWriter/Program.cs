// Usage: Cloud.Log.Core.TestWriter <metadata connection string> <replica connection strings, joined by '|'>
//                                   <resource prefix> <topic> <records> <tag> [lease seconds]
// Produces <records> records valued "<tag>-<i>" to partition 0, four at a time, with its own engine (own
// storage clients, own lease owner), retrying what a retry can mend under the record's own idempotency key,
// and prints "ack <offset> <value>" for each acknowledgement.
using System.Globalization;
using System.Text;
using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;

var metadata = StorageLocation.FromConnectionString("metadata", args[0]);
var replicas = args[1].Split('|').Select((c, i) => StorageLocation.FromConnectionString($"location{i}", c)).ToList();
var (prefix, topic, count, tag) = (args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
var leaseSeconds = args.Length > 6 ? double.Parse(args[6], CultureInfo.InvariantCulture) : 3;
var options = new CloudLogEngineOptions
{
    ResourcePrefix = prefix,
    LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
    LeaseRenewInterval = TimeSpan.FromMilliseconds(200),
    LeaseSafetyMargin = TimeSpan.FromSeconds(1),
    ReplicaLagTimeMax = TimeSpan.FromSeconds(2),
    MetadataCacheTtl = TimeSpan.FromMilliseconds(200),
};
await using var engine = await CloudLogEngine.CreateAsync(replicas, options, metadataLocation: metadata);
var output = Console.Out;
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
                var result = await engine.ProduceAsync(topic, [new ProduceRecord(null, Encoding.UTF8.GetBytes(value), Partition: 0)], Acks.All, ProducerIdempotence.ForIdempotencyKey(value));
                lock (output)
                {
                    output.WriteLine($"ack {result[0].Offset} {value}");
                }

                break;
            }
            catch (CloudLogException e) when (e.IsRetriable && attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }
});
await Task.WhenAll(workers);
Console.Out.Flush();

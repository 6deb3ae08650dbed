// Usage: Cloud.Log.Core.TestWriter <connection string> <resource prefix> <topic> <records> <tag>
// Produces <records> records valued "<tag>-<i>" to partition 0, four at a time, with its own engine
// (own storage clients, own lease owner), and prints "ack <offset> <value>" for each acknowledgement.
using System.Text;
using Cloud.Log.Core;
using Cloud.Log.Core.Storage;

var (connectionString, prefix, topic, count, tag) = (args[0], args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]);
var options = new CloudLogEngineOptions
{
    ResourcePrefix = prefix,
    LeaseDuration = TimeSpan.FromSeconds(3),
    LeaseRenewInterval = TimeSpan.FromMilliseconds(200),
    LeaseSafetyMargin = TimeSpan.FromSeconds(1),
};
await using var engine = await CloudLogEngine.CreateAsync([StorageLocation.FromConnectionString("azurite", connectionString)], options);
var output = Console.Out;
var next = -1;
var workers = Enumerable.Range(0, 4).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < count)
    {
        var value = $"{tag}-{i}";
        var result = await engine.ProduceAsync(topic, [new ProduceRecord(null, Encoding.UTF8.GetBytes(value), Partition: 0)]);
        lock (output)
        {
            output.WriteLine($"ack {result[0].Offset} {value}");
        }
    }
});
await Task.WhenAll(workers);
Console.Out.Flush();

using Azure.Data.Tables;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Leases;

public class LeaseTests(StorageFixture storage)
{
    private static CloudLogEngineOptions Fast(string prefix) => new()
    {
        ResourcePrefix = prefix,
        LeaseDuration = TimeSpan.FromSeconds(10),
        LeaseRenewInterval = TimeSpan.FromMilliseconds(300),
        LeaseSafetyMargin = TimeSpan.FromSeconds(1),
        TailCacheBytesPerPartition = 0,
    };

    /// <summary>
    /// A writer whose lease was taken over while it was away (its clock says the lease still holds) cannot
    /// corrupt the log: its stale append is refused by the append-position condition, it re-claims the lease
    /// with a higher epoch, and the log stays contiguous with no duplicate. An instance that never held the
    /// lease writes only after claiming it.
    /// </summary>
    [Fact(Timeout = 90_000)]
    public async Task Writer_that_lost_its_lease_cannot_corrupt_the_log()
    {
        var prefix = StorageFixture.NewPrefix();
        var lateClock = new ShiftedTimeProvider();
        await using var a = await storage.CreateEngineAsync(Fast(prefix));
        await a.CreateTopicAsync("t");
        await a.ProduceAsync("t", Records.Values(5, "a"));

        // B's clock runs a minute ahead: to B, A's lease has long expired, so B takes the partition over.
        lateClock.Shift = TimeSpan.FromMinutes(1);
        await using var b = await storage.CreateEngineAsync(Fast(prefix), lateClock);
        var bAcks = await b.ProduceAsync("t", Records.Values(5, "b"));
        Assert.Equal(new long[] { 5, 6, 7, 8, 9 }, bAcks.Select(x => x.Offset));

        // A still believes it leads; its append meets the moved tail, and it must claim the lease again.
        var aAcks = await a.ProduceAsync("t", Records.Values(5, "c"));
        Assert.Equal(new long[] { 10, 11, 12, 13, 14 }, aAcks.Select(x => x.Offset));

        var all = await b.FetchAsync("t", 0, 0, maxRecords: 100);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), all.Records.Select(r => r.Offset));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => $"a{i}").Concat(Enumerable.Range(0, 5).Select(i => $"b{i}")).Concat(Enumerable.Range(0, 5).Select(i => $"c{i}")),
            all.Records.Select(r => Records.Text(r.Value)));
        var description = await a.DescribeTopicAsync("t");
        Assert.True(description.Partitions[0].LeaderEpoch >= 3, $"epoch {description.Partitions[0].LeaderEpoch}: each takeover must raise it");
    }

    /// <summary>A lease held by a live writer is handed over on request, so a second instance's produce completes.</summary>
    [Fact(Timeout = 90_000)]
    public async Task Busy_lease_is_handed_over_to_a_waiting_instance()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await storage.CreateEngineAsync(Fast(prefix));
        await using var b = await storage.CreateEngineAsync(Fast(prefix));
        await a.CreateTopicAsync("t");
        using var stop = new CancellationTokenSource();
        var busy = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await a.ProduceAsync("t", Records.Values(1, $"a{n++}-"));
            }

            return n;
        });
        await Task.Delay(500);
        var ack = await b.ProduceAsync("t", Records.Values(1, "b"));
        await stop.CancelAsync();
        var produced = await busy;
        var all = await b.FetchAsync("t", 0, 0, maxRecords: 100_000, maxBytes: 16 << 20);
        Assert.Equal(produced + 1, all.Records.Count);
        Assert.Equal("b0", Records.Text(all.Records[(int)ack[0].Offset].Value));
    }

    /// <summary>Every batch carries the epoch of the lease it was written under; epochs never go down along the log.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Batches_carry_non_decreasing_leader_epochs()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "reads the partition table directly");
        var prefix = StorageFixture.NewPrefix();
        await using (var a = await storage.CreateEngineAsync(Fast(prefix)))
        {
            await a.CreateTopicAsync("t");
            await a.ProduceAsync("t", Records.Values(2));
        }

        await using var b = await storage.CreateEngineAsync(Fast(prefix));
        await b.ProduceAsync("t", Records.Values(2));
        var partitions = new TableClient(storage.ConnectionString, prefix + "partitions");
        var row = partitions.Query<TableEntity>(e => e.GetString("Kind") == "state").Single();
        Assert.True(row.GetInt32("Epoch") >= 2);
        Assert.Equal(row.GetInt32("Epoch"), (await b.DescribeTopicAsync("t")).Partitions[0].LeaderEpoch);
    }
}

using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>
/// Issue 13, defect 14: an instance starts and serves while one replica location is down (a restart or a
/// scale-out during an outage), and creates what it missed once the location is back.
/// </summary>
public sealed class LocationDownAtStartTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    /// <summary>
    /// Location 1 refuses connections (a relay in front of its Azurite, stopped) while the engine starts:
    /// the engine starts, a topic with replication factor 2 takes acks=all writes on location 0 alone, health
    /// names location 1; once it answers again, catch-up creates its container and segment, and it rejoins the
    /// ISR holding every record. (Before the fix the engine's start threw: it created every location's
    /// container and gave up on the one that did not answer.)
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Engine_starts_with_a_location_down_and_creates_its_container_when_it_is_back()
    {
        using var relay = TcpRelay.Create(_storage.Replicas[1].BlobPort, up: false);
        var down = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};BlobEndpoint=http://127.0.0.1:{relay.Port}/devstoreaccount1;";
        var locations = new[]
        {
            StorageLocation.FromConnectionString("location0", _storage.Replicas[0].ConnectionString),
            StorageLocation.FromConnectionString("location1", down),
        };
        var options = new CloudLogEngineOptions
        {
            ResourcePrefix = StorageFixture.NewPrefix(),
            ReplicaLagTimeMax = TimeSpan.FromSeconds(2),
        };

        await using var engine = await CloudLogEngine.CreateAsync(locations, options, metadataLocation: _storage.MetadataLocation);
        await engine.CreateTopicAsync("t", partitions: 1, replicationFactor: 2);
        var written = await engine.ProduceAsync("t", Records.Values(3), Acks.All);
        Assert.Equal([0L, 1, 2], written.Select(r => r.Offset));
        var health = await engine.CheckHealthAsync(TimeSpan.FromSeconds(5));
        Assert.True(health[0].Healthy);
        Assert.False(health[1].Healthy);
        Assert.Equal([0], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr);

        relay.Start();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "location 1 did not rejoin the ISR within 60 s of coming back");
            await engine.CatchUpReplicasAsync();
            await Task.Delay(200);
        }

        Assert.Equal([0, 1], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Order());
        var fetched = await engine.FetchAsync("t", 0, 0);
        Assert.Equal(["v0", "v1", "v2"], fetched.Records.Select(r => Records.Text(r.Value)));
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(_storage.Replicas[1].ConnectionString).GetBlobContainerClient(options.ResourcePrefix + "-log");
        Assert.True(await blobs.ExistsAsync());
        var names = new List<string>();
        await foreach (var blob in blobs.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        Assert.Contains(names, n => n.EndsWith(".log", StringComparison.Ordinal));
    }
}

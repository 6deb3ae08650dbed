using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>
/// A replica store that hangs (it accepts connections and never answers) is dropped from the ISR after
/// ReplicaLagTimeMax, and writes go on without it; once it answers again it catches up and rejoins.
/// </summary>
public sealed class HungReplicaTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    /// <summary>
    /// Replication factor 2, min.insync.replicas 1, ReplicaLagTimeMax 1 s; location 1 sits behind a relay that,
    /// once hung, accepts every connection and forwards nothing. Writes acknowledged with acks=all go on: the
    /// first after the hang within ReplicaLagTimeMax and a margin, with location 1 out of the ISR, and the ones
    /// after it without waiting on location 1 at all. When location 1 answers again, catch-up brings it back into
    /// the ISR holding every record, and a fresh engine with caches off reads each acknowledged record at its offset.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_hung_replica_store_leaves_the_isr_after_the_lag_time_while_writes_go_on()
    {
        using var relay = new HangingRelay(_storage.Replicas[1].BlobPort);
        var prefix = StorageFixture.NewPrefix();
        var locations = new[]
        {
            StorageLocation.FromConnectionString("location0", _storage.Replicas[0].ConnectionString),
            StorageLocation.FromConnectionString("location1", $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};BlobEndpoint=http://127.0.0.1:{relay.Port}/devstoreaccount1;"),
        };
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, ReplicaLagTimeMax = TimeSpan.FromSeconds(1) };
        await using var engine = await CloudLogEngine.CreateAsync(locations, options, metadataLocation: _storage.MetadataLocation);
        await engine.CreateTopicAsync("t", partitions: 1, replicationFactor: 2, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "1" });
        var acknowledged = new Dictionary<long, string>();
        async Task ProduceAsync(string value)
        {
            var written = await engine.ProduceAsync("t", [Records.Of(null, value, partition: 0)], Acks.All);
            acknowledged[written.Single().Offset] = value;
        }

        for (var i = 0; i < 3; i++)
        {
            await ProduceAsync($"before-{i}");
        }

        Assert.Equal([0, 1], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Order());

        relay.Hang();
        var clock = Stopwatch.StartNew();
        await ProduceAsync("during-0");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the first write after the hang took {clock.Elapsed}");
        Assert.Equal([0], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr);
        for (var i = 1; i < 10; i++)
        {
            clock.Restart();
            await ProduceAsync($"during-{i}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"write {i} with location 1 out of the ISR took {clock.Elapsed}");
        }

        relay.Resume();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "location 1 did not rejoin the ISR within 60 s of answering again");
            await engine.CatchUpReplicasAsync();
            await Task.Delay(200);
        }

        await ProduceAsync("after");
        await using var fresh = await CloudLogEngine.CreateAsync(locations, new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 }, metadataLocation: _storage.MetadataLocation);
        var read = await fresh.FetchAsync("t", 0, 0, maxRecords: 1000);
        Assert.Equal(acknowledged.OrderBy(a => a.Key).Select(a => (a.Key, a.Value)), read.Records.Select(r => (r.Offset, Records.Text(r.Value)!)));
    }

    /// <summary>
    /// A loopback relay that forwards, or, once hung, cuts what it forwards and holds every new connection open
    /// without reading or answering (a store that hangs).
    /// </summary>
    private sealed class HangingRelay : IDisposable
    {
        private readonly int _target;
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<TcpClient, bool> _open = new();
        private volatile bool _hung;

        public HangingRelay(int target)
        {
            _target = target;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = AcceptAsync();
        }

        public int Port { get; }

        public void Hang()
        {
            _hung = true;
            foreach (var client in _open.Keys)
            {
                client.Dispose();
            }
        }

        public void Resume() => _hung = false;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            foreach (var client in _open.Keys)
            {
                client.Dispose();
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try
                {
                    inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _open[inbound] = true;
                if (_hung)
                {
                    continue; // held open, never read, never answered
                }

                _ = RelayAsync(inbound);
            }
        }

        private async Task RelayAsync(TcpClient inbound)
        {
            using var outbound = new TcpClient();
            _open[outbound] = true;
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var a = inbound.GetStream();
                var b = outbound.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
            }
            finally
            {
                _open.TryRemove(inbound, out _);
                _open.TryRemove(outbound, out _);
                inbound.Dispose();
            }
        }
    }
}

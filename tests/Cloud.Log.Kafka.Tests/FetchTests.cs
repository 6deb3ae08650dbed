using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Cloud.Log.Kafka.Tests;

/// <summary>Fetch v4 on a raw socket: whole batches (past max bytes, from a mid-batch offset) and the long poll.</summary>
public sealed class FetchTests(KafkaServerFixture server)
{
    /// <summary>A fetch from an offset inside a batch, with a 1-byte limit, answers that whole batch from its base offset.</summary>
    [Fact(Timeout = 30_000)]
    public async Task MidBatchOffsetAnswersTheWholeBatchEvenPastMaxBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("fmid");
        await server.CreateTopicAsync(topic, 1, ct);
        await ProduceOverRestAsync(topic, 5, ct); // one request: one batch of 5 records

        var (records, highWatermark, _) = await FetchAsync(topic, offset: 3, maxWaitMs: 0, maxBytes: 1, ct);
        Assert.Equal(5, highWatermark);
        Assert.Equal(0, BinaryPrimitives.ReadInt64BigEndian(records)); // base offset
        Assert.Equal(5, BinaryPrimitives.ReadInt32BigEndian(records.AsSpan(57))); // record count
    }

    /// <summary>At the high watermark a fetch waits up to max_wait_ms, and answers as soon as a record arrives.</summary>
    [Fact(Timeout = 30_000)]
    public async Task FetchAtTheEndWaitsForMaxWaitOrTheNextRecord()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("fwait");
        await server.CreateTopicAsync(topic, 1, ct);

        var (empty, _, elapsed) = await FetchAsync(topic, offset: 0, maxWaitMs: 1200, maxBytes: 1 << 20, ct);
        Assert.Empty(empty);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(1000), $"answered after {elapsed.TotalMilliseconds} ms");

        var waiting = FetchAsync(topic, offset: 0, maxWaitMs: 10_000, maxBytes: 1 << 20, ct);
        await Task.Delay(500, ct);
        await ProduceOverRestAsync(topic, 1, ct);
        var (records, highWatermark, waited) = await waiting;
        Assert.NotEmpty(records);
        Assert.Equal(1, highWatermark);
        Assert.True(waited < TimeSpan.FromSeconds(9), $"answered after {waited.TotalMilliseconds} ms");
    }

    private async Task ProduceOverRestAsync(string topic, int count, CancellationToken ct)
    {
        var records = string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"key":"k{{i}}","value":"v{{i}}"}"""));
        using var body = new StringContent($$"""{"records":[{{records}}]}""", Encoding.UTF8, "application/json");
        using var response = await server.Host.Client.PostAsync(new Uri($"api/topics/{topic}/records", UriKind.Relative), body, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>One Fetch v4 of partition 0: the records bytes, the high watermark, and how long the answer took.</summary>
    private async Task<(byte[] Records, long HighWatermark, TimeSpan Elapsed)> FetchAsync(string topic, long offset, int maxWaitMs, int maxBytes, CancellationToken ct)
    {
        var name = Encoding.UTF8.GetBytes(topic);
        var request = new List<byte>();
        void Add16(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); request.AddRange(b); }
        void Add32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); request.AddRange(b); }
        void Add64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); request.AddRange(b); }
        Add16(1); Add16(4); Add32(77); Add16(-1); // header: Fetch v4, correlation 77, no client id
        Add32(-1); Add32(maxWaitMs); Add32(1); Add32(maxBytes); request.Add(0); // replica, wait, min bytes, max bytes, isolation
        Add32(1); Add16((short)name.Length); request.AddRange(name); Add32(1); Add32(0); Add64(offset); Add32(maxBytes);

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.KafkaPort, ct);
        var stream = client.GetStream();
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, request.Count);
        var watch = Stopwatch.StartNew();
        await stream.WriteAsync(length, ct);
        await stream.WriteAsync(request.ToArray(), ct);
        await stream.ReadExactlyAsync(length, ct);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await stream.ReadExactlyAsync(response, ct);
        watch.Stop();

        // correlation, throttle, [topic name, [partition, error, high watermark, last stable, aborted (-1), records]]
        Assert.Equal(77, BinaryPrimitives.ReadInt32BigEndian(response));
        var at = 4 + 4 + 4 + 2 + name.Length + 4 + 4;
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at)));
        var highWatermark = BinaryPrimitives.ReadInt64BigEndian(response.AsSpan(at + 2));
        var recordsLength = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at + 2 + 8 + 8 + 4));
        return (response.AsSpan(at + 2 + 8 + 8 + 4 + 4, recordsLength).ToArray(), highWatermark, watch.Elapsed);
    }
}

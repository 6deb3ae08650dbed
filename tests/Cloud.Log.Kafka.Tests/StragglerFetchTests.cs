using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Cloud.Log.Core;
using Cloud.Log.Kafka.Hosting;
using Cloud.Log.Server.Testing;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace Cloud.Log.Kafka.Tests;

/// <summary>
/// A Fetch of several partitions on one connection is not held by its slowest partition: the ready ones are
/// answered, the straggler empty at the high watermark the connection already knows, and its read is kept for
/// the connection's next Fetch, which answers it without reading storage again.
/// </summary>
public sealed class StragglerFetchTests(KafkaServerFixture server)
{
    private const int LargeRecords = 6_000;

    [Fact(Timeout = 120_000)]
    public async Task A_fetch_answers_the_ready_partitions_and_the_next_takes_the_stragglers_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ServerHost.StartAsync(server.Storage, new Dictionary<string, string?>
        {
            ["CloudLog:Kafka:Enabled"] = "true",
            ["CloudLog:Kafka:Port"] = "0",
            ["CloudLog:Kafka:FetchStragglerWait"] = "00:00:00",
            ["CloudLog:Engine:TailCacheBytes"] = "0", // reads go to storage: the large one takes its time
            ["CloudLog:Engine:ReadAheadBytes"] = "0", // and every read is the fetch's own
        });
        var port = host.App.Services.GetRequiredService<KafkaListenerEndpoint>().Port!.Value;
        var engine = host.App.Services.GetRequiredService<CloudLogEngine>();
        var topic = KafkaServerFixture.NewTopic("strag");
        await engine.CreateTopicAsync(topic, partitions: 2, cancellationToken: ct);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = $"127.0.0.1:{port}", LingerMs = 5, BrokerAddressFamily = BrokerAddressFamily.V4 }).Build())
        {
            for (var i = 0; i < LargeRecords; i++)
            {
                producer.Produce(new TopicPartition(topic, 0), new Message<Null, byte[]> { Value = new byte[1024] });
                if (i < 10)
                {
                    producer.Produce(new TopicPartition(topic, 1), new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes($"small-{i}") });
                }

                if (i % 1000 == 999)
                {
                    producer.Flush(ct);
                }
            }

            producer.Flush(ct);
        }

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();

        // The connection learns partition 0's high watermark from a one-batch answer.
        var first = await FetchAsync(stream, topic, [(0, 0, 1), (1, 0, 1 << 20)], ct);
        Assert.Equal(LargeRecords, first[0].HighWatermark);
        var next = NextOffset(first[0].Records);

        // Partition 0's read of 8 MiB is still in flight when partition 1's few bytes are read.
        var second = await FetchAsync(stream, topic, [(0, next, 8 << 20), (1, 0, 1 << 20)], ct);
        Assert.Equal(((short)0, (long)LargeRecords, 0), (second[0].Error, second[0].HighWatermark, second[0].Records.Length));
        Assert.Equal(((short)0, 10L), (second[1].Error, NextOffset(second[1].Records)));

        await Task.Delay(2000, ct); // the kept read ends meanwhile
        var reads = engine.StorageRequests.BlobReads;
        var third = await FetchAsync(stream, topic, [(0, next, 8 << 20)], ct);
        Assert.Equal(0, engine.StorageRequests.BlobReads - reads);
        Assert.Equal(next, BinaryPrimitives.ReadInt64BigEndian(third[0].Records)); // the first batch's base offset
        Assert.Equal(LargeRecords, NextOffset(third[0].Records));
    }

    /// <summary>The offset after the last whole batch of a partition's records.</summary>
    private static long NextOffset(byte[] records)
    {
        long next = -1;
        for (var at = 0; at + 61 <= records.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(records.AsSpan(at + 8));
            if (at + 12 + length > records.Length)
            {
                break;
            }

            next = BinaryPrimitives.ReadInt64BigEndian(records.AsSpan(at)) + BinaryPrimitives.ReadInt32BigEndian(records.AsSpan(at + 23)) + 1;
            at += 12 + length;
        }

        return next;
    }

    /// <summary>One Fetch v4 (no wait) of partitions of one topic: each partition's error, high watermark and records bytes.</summary>
    private static async Task<(short Error, long HighWatermark, byte[] Records)[]> FetchAsync(NetworkStream stream, string topic, (int Partition, long Offset, int MaxBytes)[] partitions, CancellationToken ct)
    {
        var name = Encoding.UTF8.GetBytes(topic);
        var request = new List<byte>();
        void Add16(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); request.AddRange(b); }
        void Add32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); request.AddRange(b); }
        void Add64(long v) { var b = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(b, v); request.AddRange(b); }
        Add16(1); Add16(4); Add32(7); Add16(-1); // header: Fetch v4, correlation 7, no client id
        Add32(-1); Add32(0); Add32(1); Add32(64 << 20); request.Add(0); // replica, wait, min bytes, max bytes, isolation
        Add32(1); Add16((short)name.Length); request.AddRange(name); Add32(partitions.Length);
        foreach (var (partition, offset, maxBytes) in partitions)
        {
            Add32(partition); Add64(offset); Add32(maxBytes);
        }

        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, request.Count);
        await stream.WriteAsync(length, ct);
        await stream.WriteAsync(request.ToArray(), ct);
        await stream.ReadExactlyAsync(length, ct);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await stream.ReadExactlyAsync(response, ct);

        // correlation, throttle, [topic name, [partition, error, high watermark, last stable, [aborted], records]]
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(response));
        var at = 4 + 4 + 4 + 2 + name.Length;
        var count = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at));
        at += 4;
        var answers = new (short, long, byte[])[count];
        for (var i = 0; i < count; i++)
        {
            var partition = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at));
            var error = BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at + 4));
            var highWatermark = BinaryPrimitives.ReadInt64BigEndian(response.AsSpan(at + 6));
            var aborted = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at + 22));
            at += 26 + (Math.Max(aborted, 0) * 16);
            var size = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at));
            answers[Array.FindIndex(partitions, p => p.Partition == partition)] = (error, highWatermark, response.AsSpan(at + 4, Math.Max(size, 0)).ToArray());
            at += 4 + Math.Max(size, 0);
        }

        return answers;
    }
}

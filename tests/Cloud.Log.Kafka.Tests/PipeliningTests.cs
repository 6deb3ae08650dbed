using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Kafka.Tests;

/// <summary>
/// Produce requests of one connection are pipelined: the next is started while earlier ones' appends are in
/// flight, yet every response comes in the order of the requests and every partition stores the batches in
/// the order they were sent.
/// </summary>
public sealed class PipeliningTests(KafkaServerFixture server)
{
    private const int Requests = 40;

    /// <summary>
    /// 40 Produce requests over two partitions sent at once (every tenth with acks=0, an ApiVersions request in
    /// the middle): the answers come back in request order, the acks=0 ones unanswered, each batch at the next
    /// offset of its partition in sending order, and requests shared blocks (they were in flight together).
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task PipelinedProduceRequestsAreAnsweredAndStoredInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("pipe");
        await server.CreateTopicAsync(topic, 2, ct);

        var frames = new List<byte>();
        var expected = new List<(int CorrelationId, int Partition, long Offset)>(); // offset -1: ApiVersions
        var nextOffset = new long[2];
        for (var i = 0; i < Requests; i++)
        {
            if (i == Requests / 2)
            {
                frames.AddRange(Frame(Protocol.Hex.Bytes("0012 0000 00001388 FFFF"))); // ApiVersions v0, correlation 5000
                expected.Add((5000, -1, -1));
            }

            var partition = i % 2;
            var acksZero = i % 10 == 9;
            frames.AddRange(Frame(ProduceV3(1000 + i, topic, partition, acks: acksZero ? (short)0 : (short)1, value: $"record {i}")));
            var offset = nextOffset[partition]++;
            if (!acksZero)
            {
                expected.Add((1000 + i, partition, offset));
            }
        }

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.KafkaPort, ct);
        var stream = client.GetStream();
        await stream.WriteAsync(frames.ToArray(), ct); // every request at once: the server reads ahead of its answers

        foreach (var (correlationId, partition, offset) in expected)
        {
            var response = await ReadFrameAsync(stream, ct);
            Assert.Equal(correlationId, BinaryPrimitives.ReadInt32BigEndian(response));
            if (partition < 0)
            {
                Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4))); // ApiVersions answered in its place
                continue;
            }

            // v3: correlation id, [name [partition, error_code, base_offset, log_append_time]], throttle_time_ms
            var at = 4 + 4 + 2 + Encoding.UTF8.GetByteCount(topic) + 4;
            Assert.Equal(partition, BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(at)));
            Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(at + 4)));
            Assert.Equal(offset, BinaryPrimitives.ReadInt64BigEndian(response.AsSpan(at + 6)));
        }

        // The acks=0 requests were stored too, in their places: each partition holds every request's record in sending order.
        for (var partition = 0; partition < 2; partition++)
        {
            using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}/partitions/{partition}/records?offset=0&maxRecords=100", UriKind.Relative), ct));
            var values = json.RootElement.GetProperty("records").EnumerateArray()
                .Select(r => r.GetProperty("value").GetString())
                .ToList();
            Assert.Equal(Enumerable.Range(0, Requests).Where(i => i % 2 == partition).Select(i => $"record {i}"), values);
        }

        // Requests in flight together were appended together: fewer blocks than requests.
        Assert.InRange(await CommittedBlocksAsync(topic, partition: 0, ct), 1, (Requests / 2) - 1);
    }

    private async Task<int> CommittedBlocksAsync(string topic, int partition, CancellationToken ct)
    {
        using var description = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}", UriKind.Relative), ct));
        var topicId = description.RootElement.GetProperty("topicId").GetString();
        var container = new BlobServiceClient(server.Host.ConnectionString).GetBlobContainerClient(server.Host.Prefix + "-log");
        var blocks = 0;
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{topicId}/{partition:D5}/", ct))
        {
            if (blob.Name.EndsWith(".log", StringComparison.Ordinal))
            {
                blocks += (await container.GetBlobClient(blob.Name).GetPropertiesAsync(cancellationToken: ct)).Value.BlobCommittedBlockCount;
            }
        }

        return blocks;
    }

    /// <summary>Produce v3 (header v1, no client id): one topic, one partition, a batch of one record.</summary>
    private static byte[] ProduceV3(int correlationId, string topic, int partition, short acks, string value)
    {
        var batch = RecordBatch.Encode([new ProducerRecord(null, Encoding.UTF8.GetBytes(value), 1_700_000_000_000, [])], TimestampType.CreateTime, 1_700_000_000_000);
        var name = Encoding.UTF8.GetBytes(topic);
        using var body = new MemoryStream();
        void Int16(short v) => body.Write([(byte)(v >> 8), (byte)v]);
        void Int32(int v) => body.Write([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        Int16(0); // Produce
        Int16(3);
        Int32(correlationId);
        Int16(-1); // client id
        Int16(-1); // transactional id
        Int16(acks);
        Int32(30_000);
        Int32(1);
        Int16((short)name.Length);
        body.Write(name);
        Int32(1);
        Int32(partition);
        Int32(batch.Length);
        body.Write(batch);
        return body.ToArray();
    }

    private static byte[] Frame(byte[] request)
    {
        var frame = new byte[4 + request.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, request.Length);
        request.CopyTo(frame, 4);
        return frame;
    }

    private static async Task<byte[]> ReadFrameAsync(NetworkStream stream, CancellationToken ct)
    {
        var length = new byte[4];
        await stream.ReadExactlyAsync(length, ct);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await stream.ReadExactlyAsync(response, ct);
        return response;
    }
}

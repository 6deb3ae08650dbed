using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;

namespace Cloud.Log.Kafka.Tests;

/// <summary>
/// Bad bytes on the listener: each gets Kafka's error or a closed connection, the listener keeps serving
/// others, and nothing is stored.
/// </summary>
public sealed class BadInputTests(KafkaServerFixture server)
{
    public static TheoryData<string, string> ClosingInputs => new()
    {
        { "garbage", "DEADBEEF CAFEBABE 0102030405060708" },
        { "2 GiB length prefix", "7FFFFFFF 0012 0000 00000001" },
        { "negative length", "FFFFFFF0" },
        { "unknown api key", "0000000A 0777 0000 00000001 0000" },
        { "length past the request's fields", "00000010 0003 0001 00000001 FFFF 7FFFFFFF" },
        { "truncated frame then close", "00000064 0012 0000" },
    };

    /// <summary>A frame that is not Kafka's gets the connection closed, without an answer, and the listener still answers a new connection.</summary>
    [Theory(Timeout = 30_000)]
    [MemberData(nameof(ClosingInputs))]
    public async Task MalformedFramesCloseOnlyTheirConnection(string name, string hex)
    {
        var ct = TestContext.Current.CancellationToken;
        using (var client = await ConnectAsync(ct))
        {
            var stream = client.GetStream();
            await stream.WriteAsync(Protocol.Hex.Bytes(hex), ct);
            client.Client.Shutdown(SocketShutdown.Send);
            var buffer = new byte[64];
            Assert.True(await stream.ReadAsync(buffer, ct) == 0, $"{name}: the connection should close without an answer.");
        }

        await AssertListenerAnswersAsync(ct);
    }

    /// <summary>A client that starts a request and goes silent is closed after the request read timeout; others are served meanwhile.</summary>
    [Fact(Timeout = 30_000)]
    public async Task SlowClientIsClosedAndDoesNotBlockOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var slow = await ConnectAsync(ct);
        var stream = slow.GetStream();
        await stream.WriteAsync(Protocol.Hex.Bytes("00000020 0012"), ct);
        await AssertListenerAnswersAsync(ct);
        var started = DateTime.UtcNow;
        var buffer = new byte[16];
        Assert.Equal(0, await stream.ReadAsync(buffer, ct));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(15));
    }

    /// <summary>A produce of bytes that are no record batch is answered CORRUPT_MESSAGE for its partition, and nothing is stored.</summary>
    [Fact(Timeout = 30_000)]
    public async Task ProduceOfGarbageRecordsIsRefusedAndStoresNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("badp");
        await server.CreateTopicAsync(topic, 1, ct);
        var name = System.Text.Encoding.UTF8.GetBytes(topic);
        // Produce v3: header, transactional id null, acks -1, timeout, [topic [partition 0, records = 16 bytes of garbage]]
        var body = Protocol.Hex.Bytes("0000 0003 00000005 FFFF FFFF FFFF 00007530 00000001")
            .Concat(BigEndian16((short)name.Length)).Concat(name)
            .Concat(Protocol.Hex.Bytes("00000001 00000000 00000010 00112233445566778899AABBCCDDEEFF")).ToArray();
        using var client = await ConnectAsync(ct);
        var response = await RoundTripAsync(client, body, ct);
        // correlation id, [topic [partition, error_code ...]]: the error code sits after the topic name and partition index.
        Assert.Equal(5, BinaryPrimitives.ReadInt32BigEndian(response));
        var errorAt = 4 + 4 + 2 + name.Length + 4 + 4;
        Assert.Equal(2, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(errorAt))); // CORRUPT_MESSAGE

        using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}/partitions/0/offsets?at=latest", UriKind.Relative), ct));
        Assert.Equal(0, json.RootElement.GetProperty("offset").GetInt64());
    }

    /// <summary>A Produce version below the served 3 is answered UNSUPPORTED_VERSION in that version's layout, and stores nothing.</summary>
    [Fact(Timeout = 30_000)]
    public async Task TooOldProduceVersionIsAnsweredUnsupportedVersion()
    {
        var ct = TestContext.Current.CancellationToken;
        // Produce v2: header, acks 1, timeout, [topic "x" [partition 0, records 1 byte]]
        var body = Protocol.Hex.Bytes("0000 0002 00000009 FFFF 0001 00007530 00000001 0001 78 00000001 00000000 00000001 00");
        using var client = await ConnectAsync(ct);
        var response = await RoundTripAsync(client, body, ct);
        Assert.Equal(9, BinaryPrimitives.ReadInt32BigEndian(response));
        Assert.Equal(35, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4 + 4 + 3 + 4 + 4)));
    }

    private static byte[] BigEndian16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    private async Task<TcpClient> ConnectAsync(CancellationToken ct)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.KafkaPort, ct);
        return client;
    }

    /// <summary>Sends one request frame (length added) and reads its response frame (length removed).</summary>
    private static async Task<byte[]> RoundTripAsync(TcpClient client, byte[] request, CancellationToken ct)
    {
        var stream = client.GetStream();
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, request.Length);
        await stream.WriteAsync(length, ct);
        await stream.WriteAsync(request, ct);
        await stream.ReadExactlyAsync(length, ct);
        var response = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await stream.ReadExactlyAsync(response, ct);
        return response;
    }

    private async Task AssertListenerAnswersAsync(CancellationToken ct)
    {
        using var client = await ConnectAsync(ct);
        var response = await RoundTripAsync(client, Protocol.Hex.Bytes("0012 0000 0000007B 0000"), ct);
        Assert.Equal(123, BinaryPrimitives.ReadInt32BigEndian(response));
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(response.AsSpan(4)));
    }
}

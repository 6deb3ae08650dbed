using Cloud.Log.Kafka.Handlers;
using Cloud.Log.Kafka.Hosting;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cloud.Log.Kafka.Tests.Protocol;

/// <summary>
/// Each codec against byte layouts written from Kafka's protocol guide: classic encodings (int16 string
/// lengths, int32 array counts) and flexible ones (unsigned varint lengths plus one, tagged-field sections).
/// </summary>
public sealed class CodecTests
{
    /// <summary>Request header v1: api key, version, correlation id and a classic nullable client id; the body follows.</summary>
    [Fact]
    public void RequestHeaderV1IsReadFromItsLayout()
    {
        var reader = new KafkaReader(Hex.Bytes("0003 0005 00000007 0003 616263 FF"));
        var header = RequestHeader.Read(reader);
        Assert.Equal(new RequestHeader(3, 5, 7, "abc"), header);
        Assert.Equal(1, reader.Remaining);
    }

    /// <summary>Request header v2 (a flexible version): the client id stays classic, then a tagged-field section is skipped.</summary>
    [Fact]
    public void RequestHeaderV2SkipsItsTaggedFields()
    {
        var reader = new KafkaReader(Hex.Bytes("0003 0009 00000007 FFFF 01 00 02 7879 EE"));
        var header = RequestHeader.Read(reader);
        Assert.Equal(new RequestHeader(3, 9, 7, null), header);
        Assert.Equal(1, reader.Remaining);
    }

    /// <summary>ApiVersions v0: error, an int32-counted key list with minimum 0 for every key, and the response header v0.</summary>
    [Fact(Timeout = 10_000)]
    public async Task ApiVersionsV0AnswersEveryKeyWithMinimumZero()
    {
        var response = await Dispatcher().HandleAsync(Hex.Bytes("0012 0000 0000002A 0000"), null, TestContext.Current.CancellationToken);
        var keys = ApiVersionTable.All;
        var expected = "0000002A" + "0000" + keys.Count.ToString("X8", null) + string.Concat(keys.Select(k => ((short)k.Key).ToString("X4", null) + "0000" + k.Max.ToString("X4", null)));
        Assert.Equal(Hex.Normal(Length(expected) + expected), Hex.Of(response!.Value));
    }

    /// <summary>ApiVersions v3: compact array, a tagged section per key and at the end, throttle time, and still the response header v0.</summary>
    [Fact(Timeout = 10_000)]
    public async Task ApiVersionsV3UsesTheFlexibleBodyUnderHeaderV0()
    {
        var request = Hex.Bytes("0012 0003 00000001 0001 63 00 05 6B636174 02 31 00");
        var response = await Dispatcher().HandleAsync(request, null, TestContext.Current.CancellationToken);
        var keys = ApiVersionTable.All;
        var expected = "00000001" + "0000" + (keys.Count + 1).ToString("X2", null) + string.Concat(keys.Select(k => ((short)k.Key).ToString("X4", null) + "0000" + k.Max.ToString("X4", null) + "00")) + "00000000" + "00";
        Assert.Equal(Hex.Normal(Length(expected) + expected), Hex.Of(response!.Value));
    }

    /// <summary>An ApiVersions version above ours gets UNSUPPORTED_VERSION (35) and the key list in v0's layout, not a closed connection.</summary>
    [Fact(Timeout = 10_000)]
    public async Task ApiVersionsAboveOursAnswersUnsupportedVersionWithTheKeys()
    {
        var response = await Dispatcher().HandleAsync(Hex.Bytes("0012 0063 00000009 0000 0000 00"), null, TestContext.Current.CancellationToken);
        var bytes = response!.Value.Span;
        Assert.Equal(Hex.Normal("00000009 0023"), Convert.ToHexString(bytes.Slice(4, 6)));
        Assert.Equal(ApiVersionTable.All.Count, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes[10..]));
    }

    /// <summary>A key this listener does not serve, or a version above the one advertised, is a protocol error (the connection closes).</summary>
    [Theory(Timeout = 10_000)]
    [InlineData("0021 0000 00000001 0000")] // key 33, AlterConfigs: not served
    [InlineData("0000 000A 00000001 0000")] // Produce v10: above v9
    public async Task UnservedKeyOrVersionIsAProtocolError(string frame) =>
        await Assert.ThrowsAsync<KafkaProtocolException>(() => Dispatcher().HandleAsync(Hex.Bytes(frame), null, TestContext.Current.CancellationToken));

    /// <summary>Metadata v1 request: an int32-counted topic list; v1's null array (-1) asks for every topic.</summary>
    [Fact]
    public void MetadataV1RequestReadsTopicsOrAll()
    {
        var named = MetadataMessages.ReadRequest(new KafkaReader(Hex.Bytes("00000002 0001 61 0002 6263")), 1);
        Assert.Equal(["a", "bc"], named.Topics!);
        Assert.True(named.AllowAutoTopicCreation);
        Assert.Null(MetadataMessages.ReadRequest(new KafkaReader(Hex.Bytes("FFFFFFFF")), 1).Topics);
    }

    /// <summary>Metadata v12 request: compact array of topic id and compact nullable name, the flags, tagged sections.</summary>
    [Fact]
    public void MetadataV12RequestReadsTheFlexibleLayout()
    {
        var reader = new KafkaReader(Hex.Bytes("02 00000000000000000000000000000000 04 6F7264 00 00 01 00"));
        var request = MetadataMessages.ReadRequest(reader, 12);
        Assert.Equal(["ord"], request.Topics!);
        Assert.False(request.AllowAutoTopicCreation);
        Assert.Equal(0, reader.Remaining);
    }

    /// <summary>Metadata v1 response: brokers with a null rack, the controller, topics with is_internal, partitions with replicas and ISR.</summary>
    [Fact]
    public void MetadataV1ResponseMatchesItsLayout()
    {
        var writer = new KafkaWriter();
        MetadataMessages.WriteResponse(writer, 1, new MetadataResponse(
            [new MetadataBroker(0, "h", 9092)], "c", 0, [new MetadataTopic(0, "t", Guid.Empty, [new MetadataPartition(0, 0, 0, 0, [0])])]));
        var expected = "00000001 00000000 0001 68 00002384 FFFF" // brokers: node 0, host "h", port 9092, rack null
            + " 00000000" // controller id
            + " 00000001 0000 0001 74 00" // topics: error 0, name "t", not internal
            + " 00000001 0000 00000000 00000000 00000001 00000000 00000001 00000000"; // partition 0, leader 0, replicas [0], isr [0]
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>Metadata v12 response: compact everything, topic ids, leader epochs, offline replicas, authorized operations, tagged sections.</summary>
    [Fact]
    public void MetadataV12ResponseMatchesItsLayout()
    {
        var writer = new KafkaWriter();
        MetadataMessages.WriteResponse(writer, 12, new MetadataResponse(
            [new MetadataBroker(0, "h", 9092)], "c", 0, [new MetadataTopic(0, "t", Guid.Empty, [new MetadataPartition(0, 0, 0, 0, [0])])]));
        var expected = "00000000" // throttle
            + " 02 00000000 02 68 00002384 00 00" // brokers: compact count 1, node, compact "h", port, rack null, tags
            + " 02 63 00000000" // cluster id "c", controller 0
            + " 02 0000 02 74 00000000000000000000000000000000 00" // topic: error, "t", topic id, not internal
            + " 02 0000 00000000 00000000 00000000 02 00000000 02 00000000 01 00" // partition: error, index, leader, epoch, replicas, isr, offline [], tags
            + " 80000000 00" // topic authorized operations (not asked), tags
            + " 00"; // response tags
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>Produce v3 request: nullable transactional id, acks, timeout, topics with int32-length records.</summary>
    [Fact]
    public void ProduceV3RequestReadsItsLayout()
    {
        var request = ProduceMessages.ReadRequest(new KafkaReader(Hex.Bytes("FFFF FFFF 00007530 00000001 0001 74 00000001 00000002 00000003 AABBCC")), 3);
        Assert.Null(request.TransactionalId);
        Assert.Equal(-1, request.Acks);
        Assert.Equal(30_000, request.TimeoutMs);
        var partition = Assert.Single(Assert.Single(request.Topics).Partitions);
        Assert.Equal(2, partition.Partition);
        Assert.Equal("AABBCC", Hex.Of(partition.Records!.Value));
    }

    /// <summary>Produce v9 request: compact strings, arrays and records, with tagged sections at each level.</summary>
    [Fact]
    public void ProduceV9RequestReadsTheFlexibleLayout()
    {
        var reader = new KafkaReader(Hex.Bytes("00 0001 000003E8 02 02 74 02 00000000 03 AABB 00 00 00"));
        var request = ProduceMessages.ReadRequest(reader, 9);
        Assert.Equal(1, request.Acks);
        Assert.Equal("AABB", Hex.Of(request.Topics[0].Partitions[0].Records!.Value));
        Assert.Equal(0, reader.Remaining);
    }

    /// <summary>Produce v3 and v9 responses: base offset, log append time, and from v5 log start offset, from v8 record errors and message.</summary>
    [Theory]
    [InlineData(3, "00000001 0001 74 00000001 00000000 0000 0000000000000005 FFFFFFFFFFFFFFFF 00000000")]
    [InlineData(9, "02 02 74 02 00000000 0000 0000000000000005 FFFFFFFFFFFFFFFF FFFFFFFFFFFFFFFF 01 00 00 00 00000000 00")]
    public void ProduceResponseMatchesItsLayout(short version, string expected)
    {
        var writer = new KafkaWriter();
        ProduceMessages.WriteResponse(writer, version, [new ProduceTopicResponse("t", [new ProducePartitionResponse(0, 0, 5, -1, -1, null)])]);
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>Fetch v4 request: replica, wait, min and max bytes, isolation level, topics with offset and partition max bytes.</summary>
    [Fact]
    public void FetchV4RequestReadsItsLayout()
    {
        var request = FetchMessages.ReadRequest(new KafkaReader(Hex.Bytes("FFFFFFFF 000001F4 00000001 00100000 00 00000001 0001 74 00000001 00000000 000000000000000A 00010000")), 4);
        Assert.Equal(500, request.MaxWaitMs);
        Assert.Equal(1, request.MinBytes);
        Assert.Equal(0x100000, request.MaxBytes);
        Assert.Equal(new FetchPartitionRequest(0, 10, 0x10000), request.Topics[0].Partitions[0]);
    }

    /// <summary>Fetch v12 request: session fields, leader epochs, log start offset, forgotten topics, rack id, all compact.</summary>
    [Fact]
    public void FetchV12RequestReadsTheFlexibleLayout()
    {
        var reader = new KafkaReader(Hex.Bytes(
            "FFFFFFFF 000001F4 00000001 00100000 00 00000000 FFFFFFFF"
            + " 02 02 74 02 00000003 FFFFFFFF 0000000000000007 FFFFFFFF FFFFFFFFFFFFFFFF 00010000 00 00"
            + " 01 01 00"));
        var request = FetchMessages.ReadRequest(reader, 12);
        Assert.Equal(new FetchPartitionRequest(3, 7, 0x10000), request.Topics[0].Partitions[0]);
        Assert.Equal(0, reader.Remaining);
    }

    /// <summary>Fetch v4 and v12 responses: high watermark, last stable offset, log start (v5+), no aborted transactions, whole batches as records.</summary>
    [Theory]
    [InlineData(4, "00000000 00000001 0001 74 00000001 00000000 0000 0000000000000009 0000000000000009 FFFFFFFF 00000002 AABB")]
    [InlineData(12, "00000000 0000 00000000 02 02 74 02 00000000 0000 0000000000000009 0000000000000009 0000000000000002 00 FFFFFFFF 03 AABB 00 00 00")]
    public void FetchResponseMatchesItsLayout(short version, string expected)
    {
        var writer = new KafkaWriter();
        FetchMessages.WriteResponse(writer, version, 0, [new FetchTopicResponse("t", [new FetchPartitionResponse(0, 0, 9, 2, [Hex.Bytes("AA"), Hex.Bytes("BB")])])]);
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>
    /// A writer that keeps record batches by reference writes the same bytes to a connection, and in one piece, as
    /// one that copies them (batches larger than a flush, several partitions, bytes after the last batch), and
    /// runs what waits for the bytes to have gone out once, after they did.
    /// </summary>
    [Theory(Timeout = 10_000)]
    [InlineData(4)]
    [InlineData(12)]
    public async Task FetchResponseWrittenByReferenceMatchesTheCopiedOne(short version)
    {
        var large = new byte[700 * 1024];
        Random.Shared.NextBytes(large);
        FetchTopicResponse[] topics =
        [
            new("t", [new FetchPartitionResponse(0, 0, 9, 2, [Hex.Bytes("AA"), large]), new FetchPartitionResponse(1, 0, 3, 0, [])]),
            new("u", [new FetchPartitionResponse(0, 0, 5, 1, [large.AsMemory(1, 1000), Hex.Bytes("BBCC")])]),
        ];
        var copied = new KafkaWriter();
        FetchMessages.WriteResponse(copied, version, 0, topics);
        var referenced = new KafkaWriter(byReference: true);
        FetchMessages.WriteResponse(referenced, version, 0, topics);
        var released = 0;
        referenced.AfterSent(() => released++);

        var pipe = new System.IO.Pipelines.Pipe(); // pushes back past 64 KiB: the reader must keep up
        using var sent = new MemoryStream();
        var reading = pipe.Reader.CopyToAsync(sent, TestContext.Current.CancellationToken);
        Assert.True(await referenced.WriteToAsync(pipe.Writer, TestContext.Current.CancellationToken));
        await pipe.Writer.CompleteAsync();
        await reading;
        Assert.Equal(0, released);
        referenced.Release();
        referenced.Release();

        Assert.Equal(1, released);
        Assert.Equal(copied.Length, referenced.Length);
        Assert.Equal(copied.WrittenMemory.ToArray(), sent.ToArray());
        Assert.Equal(copied.WrittenMemory.ToArray(), referenced.WrittenMemory.ToArray());
    }

    /// <summary>ListOffsets v0 answers old-style offset arrays; v1 one timestamp and offset; v6 is flexible with the leader epoch.</summary>
    [Theory]
    [InlineData(0, "00000001 0001 74 00000001 00000000 0000 00000001 000000000000002A")]
    [InlineData(1, "00000001 0001 74 00000001 00000000 0000 FFFFFFFFFFFFFFFF 000000000000002A")]
    [InlineData(6, "00000000 02 02 74 02 00000000 0000 FFFFFFFFFFFFFFFF 000000000000002A 00000000 00 00 00")]
    public void ListOffsetsResponseMatchesItsLayout(short version, string expected)
    {
        var writer = new KafkaWriter();
        ListOffsetsMessages.WriteResponse(writer, version, [new ListOffsetsTopicResponse("t", [new ListOffsetsPartitionResponse(0, 0, -1, 42)])]);
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>ListOffsets v0 and v7 requests: v0's max_num_offsets; v7's isolation level, leader epoch and compact layout.</summary>
    [Fact]
    public void ListOffsetsRequestsReadTheirLayouts()
    {
        var v0 = ListOffsetsMessages.ReadRequest(new KafkaReader(Hex.Bytes("FFFFFFFF 00000001 0001 74 00000001 00000000 FFFFFFFFFFFFFFFE 00000001")), 0);
        Assert.Equal(new ListOffsetsPartitionRequest(0, -2), v0[0].Partitions[0]);
        var reader = new KafkaReader(Hex.Bytes("FFFFFFFF 00 02 02 74 02 00000001 FFFFFFFF FFFFFFFFFFFFFFFD 00 00 00"));
        var v7 = ListOffsetsMessages.ReadRequest(reader, 7);
        Assert.Equal(new ListOffsetsPartitionRequest(1, -3), v7[0].Partitions[0]);
        Assert.Equal(0, reader.Remaining);
    }

    /// <summary>InitProducerId v4: compact nullable transactional id, timeout, producer id and epoch; the answer with tagged fields.</summary>
    [Fact]
    public void InitProducerIdV4ReadsAndAnswersTheFlexibleLayout()
    {
        var request = InitProducerIdMessages.ReadRequest(new KafkaReader(Hex.Bytes("00 0000EA60 FFFFFFFFFFFFFFFF FFFF 00")), 4);
        Assert.Equal(new InitProducerIdRequest(null, 60_000, -1, -1), request);
        var writer = new KafkaWriter();
        InitProducerIdMessages.WriteResponse(writer, 4, 0, 7, 1);
        Assert.Equal(Hex.Normal("00000000 0000 0000000000000007 0001 00"), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>A count or length larger than the bytes left, a truncated integer or a runaway varint is a protocol error, never an allocation.</summary>
    [Theory]
    [InlineData("7FFFFFFF")] // array of 2^31-1 elements in 0 bytes
    [InlineData("000000")] // truncated int32
    [InlineData("FFFFFFFFFF")] // varint past 5 bytes
    public void LyingLengthsAreProtocolErrors(string hex)
    {
        var reader = new KafkaReader(Hex.Bytes(hex));
        Assert.Throws<KafkaProtocolException>(() => hex.Length == 10 ? (int)reader.ReadUnsignedVarint() : reader.ReadArrayLength(flexible: false));
    }

    /// <summary>Compact strings: length plus one, 0 for null.</summary>
    [Fact]
    public void CompactStringsCountLengthPlusOne()
    {
        var writer = new KafkaWriter();
        writer.WriteNullableString(null, flexible: true);
        writer.WriteString("ab", flexible: true);
        Assert.Equal("0003" + "6162", Hex.Of(writer.WrittenMemory));
        var reader = new KafkaReader(writer.WrittenMemory);
        Assert.Null(reader.ReadNullableString(flexible: true));
        Assert.Equal("ab", reader.ReadString(flexible: true));
    }

    private static string Length(string hex) => (Hex.Bytes(hex).Length).ToString("X8", null);

    private static KafkaRequestDispatcher Dispatcher() =>
        new(null!, Options.Create(new KafkaListenerOptions()), new KafkaListenerEndpoint(), new Cloud.Log.Kafka.Groups.ClassicGroupCoordinator(null!), NullLogger<KafkaRequestDispatcher>.Instance);
}

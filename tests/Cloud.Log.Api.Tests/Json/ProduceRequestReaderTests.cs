using System.Text;
using Cloud.Log.Api.Json;
using Cloud.Log.Core;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Api.Tests.Json;

public class ProduceRequestReaderTests
{
    private static ProduceRequest Parse(string json, bool queue = false) => ProduceRequestReader.Parse(Encoding.UTF8.GetBytes(json), queue);

    private static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    private static CloudLogException Refused(string json, bool queue = false) => Assert.Throws<CloudLogException>(() => Parse(json, queue));

    /// <summary>Every record field is read: text and base64 keys and values, JSON values as compact text, headers, timestamp, partition.</summary>
    [Fact]
    public void Reads_every_record_field()
    {
        var request = Parse("""
            {"acks":"1","records":[
              {"key":"k","value":"v","headers":{"h":"x","n":null},"timestamp":5,"partition":2},
              {"keyBase64":"/w==","valueBase64":"AAE="},
              {"value":{"a": [1, true, null], "b": "c"}},
              {"value":12.50},
              {"value":null,"key":null},
              {"value":"esc\"aped\u00e9"}]}
            """);
        Assert.Equal(Acks.Leader, request.Acks);
        var r = request.Records;
        Assert.Equal("k", Text(r[0].Key));
        Assert.Equal("v", Text(r[0].Value));
        Assert.Equal(["h", "n"], r[0].Headers!.Select(h => h.Key));
        Assert.Equal("x", Text(r[0].Headers![0].Value));
        Assert.Null(r[0].Headers![1].Value);
        Assert.Equal(5, r[0].Timestamp);
        Assert.Equal(2, r[0].Partition);
        Assert.Equal([0xff], r[1].Key!.Value.ToArray());
        Assert.Equal([0, 1], r[1].Value!.Value.ToArray());
        Assert.Equal("""{"a":[1,true,null],"b":"c"}""", Text(r[2].Value));
        Assert.Equal("12.50", Text(r[3].Value));
        Assert.Null(r[4].Value);
        Assert.Null(r[4].Key);
        Assert.Equal("esc\"aped\u00e9", Text(r[5].Value));
    }

    /// <summary>acks defaults to all; "0", "1", "all" and -1 are understood.</summary>
    [Theory]
    [InlineData("", Acks.All)]
    [InlineData("\"acks\":\"0\",", Acks.None)]
    [InlineData("\"acks\":\"all\",", Acks.All)]
    [InlineData("\"acks\":-1,", Acks.All)]
    [InlineData("\"acks\":1,", Acks.Leader)]
    [InlineData("\"acks\":0,", Acks.None)]
    public void Acks_are_kafkas(string acks, Acks expected) =>
        Assert.Equal(expected, Parse($$"""{{{acks}}"records":[{"value":"v"}]}""").Acks);

    /// <summary>Errors name the record and field, and carry the record or request code.</summary>
    [Theory]
    [InlineData("""{"records":[{"value":"v"},{"value":"v","timestamp":"x"}]}""", ErrorCode.InvalidRecord, "records[1].timestamp")]
    [InlineData("""{"records":[{"key":1}]}""", ErrorCode.InvalidRecord, "records[0].key")]
    [InlineData("""{"records":[{"keyBase64":"!"}]}""", ErrorCode.InvalidRecord, "records[0].keyBase64")]
    [InlineData("""{"records":[{"headers":{"a":2}}]}""", ErrorCode.InvalidRecord, "records[0].headers.a")]
    [InlineData("""{"records":[{"vaule":"v"}]}""", ErrorCode.InvalidRecord, "records[0].vaule")]
    [InlineData("""{"records":[{"value":"a","valueBase64":"YQ=="}]}""", ErrorCode.InvalidRecord, "records[0].valueBase64")]
    [InlineData("""{"records":[]}""", ErrorCode.InvalidRequest, "non-empty")]
    [InlineData("""{"records":[{"value":"v"}],"x":1}""", ErrorCode.InvalidRequest, "'x'")]
    [InlineData("""{"records":[{"value":"v"}]} {}""", ErrorCode.InvalidRequest, "Malformed")]
    [InlineData("""[]""", ErrorCode.InvalidRequest, "object")]
    public void Errors_name_the_field(string json, ErrorCode code, string mention)
    {
        var error = Refused(json);
        Assert.Equal(code, error.Code);
        Assert.Contains(mention, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A partition outside 32 bits is an unknown partition (-1 here, 404 later), not a parse error.</summary>
    [Fact]
    public void Huge_partition_becomes_an_unknown_one() =>
        Assert.Equal(-1, Parse("""{"records":[{"value":"v","partition":99999999999}]}""").Records[0].Partition);

    /// <summary>Unescaped strings are slices of the body, not copies: the hot path copies bytes once, into the batch.</summary>
    [Fact]
    public void Unescaped_values_are_slices_of_the_body()
    {
        var body = Encoding.UTF8.GetBytes("""{"records":[{"value":"abc"}]}""");
        var record = ProduceRequestReader.Parse(body, queueMessage: false).Records[0];
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(record.Value!.Value, out var segment));
        Assert.Same(body, segment.Array);
    }

    /// <summary>Queue messages name their topic and may carry an idempotency key; HTTP bodies may not.</summary>
    [Fact]
    public void Queue_messages_take_topic_and_idempotency_key()
    {
        var message = Parse("""{"topic":"orders","idempotencyKey":"k1","records":[{"value":"v"}]}""", queue: true);
        Assert.Equal("orders", message.Topic);
        Assert.Equal("k1", message.IdempotencyKey);
        Assert.Equal(ErrorCode.InvalidRequest, Refused("""{"records":[{"value":"v"}]}""", queue: true).Code);
        Assert.Equal(ErrorCode.InvalidRequest, Refused("""{"topic":"orders","records":[{"value":"v"}]}""").Code);
    }

    /// <summary>Invalid UTF-8 inside a string and lone surrogate escapes are refused, never crash.</summary>
    [Fact]
    public void Invalid_text_is_refused()
    {
        byte[] raw = [.. "{\"records\":[{\"value\":\""u8, 0xff, .. "\"}]}"u8];
        Assert.Equal(ErrorCode.InvalidRecord, Assert.Throws<CloudLogException>(() => ProduceRequestReader.Parse(raw, false)).Code);
        Assert.Equal(ErrorCode.InvalidRecord, Refused("""{"records":[{"value":"\uD800"}]}""").Code);
    }
}

using System.Text;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Kafka.Sasl;

namespace Cloud.Log.Kafka.Tests.Protocol;

/// <summary>SaslHandshake and SaslAuthenticate byte layouts (Kafka's protocol guide), and the PLAIN and OAUTHBEARER client messages (RFC 4616, RFC 7628).</summary>
public sealed class SaslCodecTests
{
    /// <summary>SaslHandshake's answer: error_code int16, then an int32-counted array of int16-length strings.</summary>
    [Fact]
    public void HandshakeResponseListsTheMechanisms()
    {
        var writer = new KafkaWriter();
        SaslMessages.WriteHandshake(writer, 33, ["PLAIN", "OAUTHBEARER"]);
        Assert.Equal("0021" + "00000002" + "0005" + Text("PLAIN") + "000B" + Text("OAUTHBEARER"), Convert.ToHexString(writer.WrittenMemory.Span));
    }

    /// <summary>SaslAuthenticate v0: error, nullable string message, int32-length bytes; no lifetime.</summary>
    [Fact]
    public void AuthenticateV0HasNoSessionLifetime()
    {
        var writer = new KafkaWriter();
        SaslMessages.WriteAuthenticate(writer, 0, 58, "no", [], 1234);
        Assert.Equal("003A" + "0002" + Text("no") + "00000000", Convert.ToHexString(writer.WrittenMemory.Span));
    }

    /// <summary>SaslAuthenticate v1 adds session_lifetime_ms int64; v2 is flexible (compact string and bytes, tagged fields).</summary>
    [Fact]
    public void AuthenticateV1AddsTheLifetimeAndV2IsFlexible()
    {
        var v1 = new KafkaWriter();
        SaslMessages.WriteAuthenticate(v1, 1, 0, null, [], 60_000);
        Assert.Equal("0000" + "FFFF" + "00000000" + "000000000000EA60", Convert.ToHexString(v1.WrittenMemory.Span));
        var v2 = new KafkaWriter();
        SaslMessages.WriteAuthenticate(v2, 2, 0, null, [], 60_000);
        Assert.Equal("0000" + "00" + "01" + "000000000000EA60" + "00", Convert.ToHexString(v2.WrittenMemory.Span));
    }

    /// <summary>SaslAuthenticate's request: int32-length bytes (v0-1), compact bytes and tagged fields (v2).</summary>
    [Fact]
    public void AuthenticateRequestReadsTheBytes()
    {
        Assert.Equal("abc", Encoding.UTF8.GetString(SaslMessages.ReadAuthenticate(new KafkaReader(Hex.Bytes("00000003" + Text("abc"))), 1).Span));
        Assert.Equal("abc", Encoding.UTF8.GetString(SaslMessages.ReadAuthenticate(new KafkaReader(Hex.Bytes("04" + Text("abc") + "00")), 2).Span));
    }

    /// <summary>PLAIN: authzid (empty or the username), NUL, username, NUL, password.</summary>
    [Theory]
    [InlineData("\0user\0pass", "user", "pass")]
    [InlineData("user\0user\0pass", "user", "pass")]
    [InlineData("other\0user\0pass", null, null)]
    [InlineData("\0user", null, null)]
    [InlineData("\0\0pass", null, null)]
    [InlineData("\0user\0", null, null)]
    [InlineData("\0a\0b\0c", null, null)]
    public void PlainMessagesAreReadOrRefused(string message, string? user, string? password)
    {
        var read = SaslMechanisms.ReadPlain(Encoding.UTF8.GetBytes(message));
        Assert.Equal(user, read?.Username);
        Assert.Equal(password, read?.Password);
    }

    /// <summary>OAUTHBEARER: the gs2 header, ^A, auth=Bearer token, extensions, ^A^A.</summary>
    [Theory]
    [InlineData("n,,\u0001auth=Bearer abc.def.ghi\u0001\u0001", "abc.def.ghi")]
    [InlineData("n,a=user,\u0001host=broker\u0001auth=Bearer t\u0001port=9092\u0001\u0001", "t")]
    [InlineData("n,,\u0001auth=bearer t\u0001\u0001", "t")]
    [InlineData("n,,\u0001auth=Basic t\u0001\u0001", null)]
    [InlineData("n,,\u0001auth=Bearer t\u0001", null)]
    [InlineData("y,,\u0001auth=Bearer t\u0001\u0001", null)]
    [InlineData("n,,\u0001\u0001", null)]
    [InlineData("n,,\u0001auth=Bearer t\u0001auth=Bearer u\u0001\u0001", null)]
    [InlineData("garbage", null)]
    public void OAuthBearerMessagesAreReadOrRefused(string message, string? token) =>
        Assert.Equal(token, SaslMechanisms.ReadOAuthBearer(Encoding.UTF8.GetBytes(message)));

    private static string Text(string value) => Convert.ToHexString(Encoding.UTF8.GetBytes(value));
}

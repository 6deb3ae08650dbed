namespace Cloud.Log.Kafka.Tests.Protocol;

/// <summary>Byte layouts written as spaced hex, the way the protocol guide's fields line up.</summary>
internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));

    public static string Of(ReadOnlyMemory<byte> bytes) => Convert.ToHexString(bytes.Span);

    public static string Normal(string hex) => Convert.ToHexString(Bytes(hex));
}

using System.Text;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Tests;

/// <summary>Builds produce records from text, keeping null as null.</summary>
internal static class Records
{
    public static ReadOnlyMemory<byte>? Bytes(string? text) => text is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(text);

    public static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    public static ProduceRecord Of(string? key, string? value, long? timestamp = null, int? partition = null, IReadOnlyList<RecordHeader>? headers = null) =>
        new(Bytes(key), Bytes(value), headers, timestamp, partition);

    public static ProduceRecord[] Values(int count, string prefix = "v", int? partition = 0) =>
        Enumerable.Range(0, count).Select(i => Of(null, $"{prefix}{i}", partition: partition)).ToArray();
}

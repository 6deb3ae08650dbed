using Azure.Data.Tables;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A group coordinator's state (the Kafka listener's classic group protocol: members, generation, leader,
/// assignments), in the groups table: partition key = group, row key <c>k|coordinator</c>. The state is one
/// opaque document, split over binary properties <c>D0</c>, <c>D1</c>, ... of at most 64,000 bytes each (Table
/// storage's limit per property), with its length in <c>Length</c>; every write is conditioned on the ETag read.
/// </summary>
internal static class GroupCoordinatorStateRow
{
    public const string RowKey = "k|coordinator";

    /// <summary>The largest state stored: 15 chunks, within Table storage's 1 MiB per row.</summary>
    public const int MaxBytes = ChunkBytes * MaxChunks;

    private const int ChunkBytes = 64_000;

    private const int MaxChunks = 15;

    public static TableEntity ToEntity(string group, ReadOnlyMemory<byte> data)
    {
        var entity = new TableEntity(group, RowKey) { ["Length"] = data.Length };
        for (var i = 0; i * ChunkBytes < data.Length; i++)
        {
            entity["D" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = data.Slice(i * ChunkBytes, Math.Min(ChunkBytes, data.Length - (i * ChunkBytes))).ToArray();
        }

        return entity;
    }

    public static byte[] Data(TableEntity entity)
    {
        var length = entity.GetInt32("Length") ?? 0;
        var data = new byte[length];
        for (var i = 0; i * ChunkBytes < length; i++)
        {
            var chunk = entity.GetBinary("D" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? [];
            chunk.CopyTo(data, i * ChunkBytes);
        }

        return data;
    }
}

using System.Buffers.Binary;

namespace Cloud.Log.Core.Log;

/// <summary>
/// A segment's sparse offset index, stored as an append blob of 24-byte big-endian entries
/// (offset int64, position int64, maxTimestampBefore int64). The leader appends an entry whenever the
/// segment has grown by <see cref="CloudLogEngineOptions.IndexIntervalBytes"/> since the last one, so a
/// reader finds any offset with one index read and one bounded data read.
/// </summary>
internal sealed class OffsetIndex
{
    public const int EntrySize = 24;

    private readonly List<OffsetIndexEntry> _entries;

    private OffsetIndex(long baseOffset, List<OffsetIndexEntry> entries)
    {
        BaseOffset = baseOffset;
        _entries = entries;
    }

    public long BaseOffset { get; }

    public int Count => _entries.Count;

    public IReadOnlyList<OffsetIndexEntry> Entries => _entries;

    /// <summary>The entry at the segment's start, implied and never stored.</summary>
    public OffsetIndexEntry Start => new(BaseOffset, 0, -1);

    public OffsetIndexEntry Last => _entries.Count == 0 ? Start : _entries[^1];

    /// <summary>
    /// Parses index entries; with <paramref name="committedBytes"/> (a closed segment's committed size) only
    /// the entries that point inside the committed bytes are kept: a copy may hold entries a failed writer
    /// added past them.
    /// </summary>
    public static OffsetIndex Parse(long baseOffset, ReadOnlySpan<byte> data, long? committedBytes)
    {
        var entries = new List<OffsetIndexEntry>(data.Length / EntrySize);
        for (var i = 0; i + EntrySize <= data.Length; i += EntrySize)
        {
            var entry = new OffsetIndexEntry(
                BinaryPrimitives.ReadInt64BigEndian(data[i..]),
                BinaryPrimitives.ReadInt64BigEndian(data[(i + 8)..]),
                BinaryPrimitives.ReadInt64BigEndian(data[(i + 16)..]));
            if (committedBytes is { } limit && entry.Position > limit)
            {
                break;
            }

            entries.Add(entry);
        }

        return new OffsetIndex(baseOffset, entries);
    }

    /// <summary>The last entry at or before byte <paramref name="position"/>: where a read that must end there starts.</summary>
    public OffsetIndexEntry FloorForPosition(long position)
    {
        var found = Start;
        foreach (var entry in _entries)
        {
            if (entry.Position > position)
            {
                break;
            }

            found = entry;
        }

        return found;
    }

    public static byte[] Encode(OffsetIndexEntry entry)
    {
        var bytes = new byte[EntrySize];
        BinaryPrimitives.WriteInt64BigEndian(bytes, entry.Offset);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(8), entry.Position);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(16), entry.MaxTimestampBefore);
        return bytes;
    }

    /// <summary>
    /// The last entry at or before <paramref name="offset"/>, and at most how many bytes lie between its position
    /// and the batch holding the offset: none when the entry is that batch's own, the distance to the next entry
    /// when there is one (the offset lies before it), else null (not known: at most about an index interval and a
    /// block past the last entry).
    /// </summary>
    public (OffsetIndexEntry Entry, long? BytesBefore) Locate(long offset)
    {
        var found = Start;
        foreach (var entry in _entries)
        {
            if (entry.Offset > offset)
            {
                return (found, found.Offset == offset ? 0 : entry.Position - found.Position);
            }

            found = entry;
        }

        return (found, found.Offset == offset ? 0 : null);
    }

    /// <summary>
    /// Where a search for the first record at or after <paramref name="timestamp"/> starts: the last entry
    /// before which every record is older.
    /// </summary>
    public OffsetIndexEntry FloorForTimestamp(long timestamp)
    {
        var found = Start;
        foreach (var entry in _entries)
        {
            if (entry.MaxTimestampBefore >= timestamp)
            {
                break;
            }

            found = entry;
        }

        return found;
    }
}

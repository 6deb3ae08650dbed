namespace Cloud.Log.Protocol.Batches;

/// <summary>The fixed 61-byte header of a record batch; see <see cref="RecordBatch"/> for the layout.</summary>
/// <param name="BaseOffset">The offset of the batch's first record.</param>
/// <param name="BatchLength">Bytes after the length field: the batch's total size minus 12.</param>
/// <param name="PartitionLeaderEpoch">The leader epoch of the writer that appended the batch.</param>
/// <param name="Crc">The CRC-32C stored in the batch.</param>
/// <param name="Attributes">Bit 3: the timestamp type. Other bits are zero in this version.</param>
/// <param name="LastOffsetDelta">The last record's offset minus the base offset.</param>
/// <param name="BaseTimestamp">The first record's timestamp (or the append time).</param>
/// <param name="MaxTimestamp">The largest timestamp in the batch.</param>
/// <param name="ProducerId">The idempotent producer's id, or -1.</param>
/// <param name="ProducerEpoch">The idempotent producer's epoch, or -1.</param>
/// <param name="BaseSequence">The first record's sequence number, or -1.</param>
/// <param name="RecordCount">How many records the batch holds.</param>
public readonly record struct RecordBatchHeader(
    long BaseOffset,
    int BatchLength,
    int PartitionLeaderEpoch,
    uint Crc,
    short Attributes,
    int LastOffsetDelta,
    long BaseTimestamp,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    int RecordCount)
{
    /// <summary>The batch's size in bytes, header included.</summary>
    public int TotalSize => BatchLength + RecordBatch.LogOverhead;

    /// <summary>The offset of the batch's last record.</summary>
    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>The offset after the batch's last record.</summary>
    public long NextOffset => LastOffset + 1;

    /// <summary>The idempotent producer that wrote the batch, or null when it was written without one.</summary>
    public ProducerBatchIdentity? Producer =>
        ProducerId >= 0 ? new ProducerBatchIdentity(ProducerId, ProducerEpoch, BaseSequence) : null;

    /// <summary>What the batch's timestamps mean.</summary>
    public TimestampType TimestampType =>
        (Attributes & RecordBatch.TimestampTypeAttributeMask) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;
}

namespace Cloud.Log.Core.Producers;

/// <summary>One stored batch of an idempotent producer, remembered so a retry of it answers the same offsets.</summary>
/// <param name="BaseSequence">The sequence of its first record.</param>
/// <param name="LastSequence">The sequence of its last record.</param>
/// <param name="BaseOffset">The offset it was stored at.</param>
/// <param name="Timestamp">Its largest timestamp (the append time under LogAppendTime).</param>
internal readonly record struct ProducerBatchMetadata(int BaseSequence, int LastSequence, long BaseOffset, long Timestamp);

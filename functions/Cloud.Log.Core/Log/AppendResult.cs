namespace Cloud.Log.Core.Log;

/// <summary>Where a batch was stored: its base offset and its largest timestamp (the append time under LogAppendTime).</summary>
/// <param name="BaseOffset">The offset of its first record.</param>
/// <param name="Timestamp">The batch's largest timestamp as stored.</param>
/// <param name="Duplicate">Whether an idempotent producer had stored it already, so this call stored nothing.</param>
internal readonly record struct AppendResult(long BaseOffset, long Timestamp, bool Duplicate);

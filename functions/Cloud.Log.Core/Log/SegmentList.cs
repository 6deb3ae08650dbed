namespace Cloud.Log.Core.Log;

/// <summary>
/// A partition's segments in offset order as one read of Table storage found them, and when that read started
/// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), so a reader knows how far it may trust the list
/// (<see cref="CloudLogEngineOptions.ReaderViewLease"/>).
/// </summary>
/// <param name="Segments">The segments, oldest first.</param>
/// <param name="ReadStartedAt">When the read started, or when a later read of the state row found the list still whole.</param>
/// <param name="StateBefore">
/// The state row's ETag as a read that answered before this list's read started found it (null when none had):
/// while the row still has it, no segment was started, closed or rewritten since (each of those commits in one
/// transaction with the state row), so the list still holds (<see cref="PartitionLog.GetReadViewAsync"/>).
/// </param>
internal sealed record SegmentList(IReadOnlyList<SegmentInfo> Segments, long ReadStartedAt, Azure.ETag? StateBefore);

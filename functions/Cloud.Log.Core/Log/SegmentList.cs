namespace Cloud.Log.Core.Log;

/// <summary>
/// A partition's segments in offset order as one read of Table storage found them, and when that read started
/// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), so a reader knows how far it may trust the list
/// (<see cref="CloudLogEngineOptions.ReaderViewLease"/>).
/// </summary>
internal sealed record SegmentList(IReadOnlyList<SegmentInfo> Segments, long ReadStartedAt);

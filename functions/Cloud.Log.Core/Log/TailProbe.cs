namespace Cloud.Log.Core.Log;

/// <summary>
/// How far this instance has read the active segment: its byte position and the next offset there. Every
/// copy holds the same bytes at the same positions, so the probe carries over when the leader changes.
/// </summary>
internal sealed record TailProbe(SegmentInfo Segment, long Position, long NextOffset);

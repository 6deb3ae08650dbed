namespace Cloud.Log.Core.Log;

/// <summary>How far this instance has read the active segment: its byte position and the next offset there.</summary>
internal sealed record TailProbe(SegmentInfo Segment, long Position, long NextOffset);

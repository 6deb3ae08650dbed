namespace Cloud.Log.Soak;

/// <summary>A value sent: by whom, and whether a second copy of it in the log is a violation.</summary>
internal sealed record Sent(string Producer, bool AtMostOnce);

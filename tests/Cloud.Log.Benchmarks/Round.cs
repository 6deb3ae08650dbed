namespace Cloud.Log.Benchmarks;

/// <summary>
/// One round of a measured case: when it ran (seconds since the run began) and the figure its ratio compares
/// (MB/s or records/s). A ratio's case and its limit each keep their rounds, so a reader can check that the
/// two were measured in alternation, round by round, and not minutes apart.
/// </summary>
internal sealed record Round(int Index, double StartedSeconds, double EndedSeconds, double Value);

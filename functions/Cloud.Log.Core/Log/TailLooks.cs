namespace Cloud.Log.Core.Log;

/// <summary>
/// How the fetches of one engine found the high watermark they answered, all partitions together: counted, so
/// tests and the benchmark can tell the fetches that needed no look at the tail. Thread-safe.
/// </summary>
internal sealed class TailLooks
{
    private long _answeredFromReads;

    /// <summary>Fetches whose own range reads told the high watermark, with no look at the tail.</summary>
    public long AnsweredFromReads => Interlocked.Read(ref _answeredFromReads);

    /// <summary>Counts a fetch answered from its own reads.</summary>
    public void CountAnsweredFromReads() => Interlocked.Increment(ref _answeredFromReads);
}

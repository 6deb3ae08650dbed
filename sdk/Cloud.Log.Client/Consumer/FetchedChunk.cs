namespace Cloud.Log.Client.Consumer;

/// <summary>What one fetch of one partition brought: its records in offset order, or the error to surface to the application.</summary>
internal sealed class FetchedChunk(PartitionState state, int epoch, List<ConsumeResult> records, CloudLogException? error = null)
{
    public PartitionState State { get; } = state;

    public int Epoch { get; } = epoch;

    public List<ConsumeResult> Records { get; } = records;

    public CloudLogException? Error { get; } = error;

    /// <summary>How many of <see cref="Records"/> the application has been handed (or that were skipped).</summary>
    public int Next { get; set; }
}

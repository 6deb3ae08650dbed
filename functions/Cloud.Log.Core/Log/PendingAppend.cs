using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>One produce call's batch waiting for the partition's writer; completes with where it was stored.</summary>
internal sealed class PendingAppend
{
    public PendingAppend(byte[] batch, TopicConfig config)
    {
        Batch = batch;
        Config = config;
        RecordBatch.TryReadHeader(batch, out var header);
        Header = header;
    }

    public byte[] Batch { get; }

    public TopicConfig Config { get; }

    /// <summary>The batch's header as encoded (base offset 0 until the writer stamps it).</summary>
    public RecordBatchHeader Header { get; }

    public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

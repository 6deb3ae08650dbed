using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>One produce call's batch waiting for the partition's writer; completes with where it was stored.</summary>
internal sealed class PendingAppend
{
    public PendingAppend(byte[] batch, TopicConfig config, Acks acks)
    {
        Batch = batch;
        Config = config;
        Acks = acks;
        RecordBatch.TryReadHeader(batch, out var header);
        Header = header;
    }

    public byte[] Batch { get; }

    public TopicConfig Config { get; }

    /// <summary>When to answer: <c>1</c> once one replica holds the batch, <c>all</c> once the leader (last) does.</summary>
    public Acks Acks { get; }

    /// <summary>The batch's header as encoded (base offset 0 until the writer stamps it).</summary>
    public RecordBatchHeader Header { get; }

    public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether it was answered already (refused, failed, or stored).</summary>
    public bool IsCompleted => Completion.Task.IsCompleted;

    /// <summary>Answers it with a failure.</summary>
    public void Fail(Exception error) => Completion.TrySetException(error);
}

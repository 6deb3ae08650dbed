using Cloud.Log.Core.Topics;

namespace Cloud.Log.Core.Log;

/// <summary>One produce call's batch waiting for the partition's writer; completes with its base offset.</summary>
internal sealed class PendingAppend(byte[] batch, TopicConfig config)
{
    public byte[] Batch { get; } = batch;

    public TopicConfig Config { get; } = config;

    public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

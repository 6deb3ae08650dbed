namespace Cloud.Log.Core.Log;

/// <summary>A request to bring the partition's lagging replicas up to the leader and back into the ISR.</summary>
internal sealed class CatchUpOperation : WriterOperation
{
    /// <summary>Completes with the locations returned to the ISR.</summary>
    public TaskCompletionSource<IReadOnlyList<int>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool IsCompleted => Completion.Task.IsCompleted;

    public override void Fail(Exception error) => Completion.TrySetException(error);
}

namespace Cloud.Log.Core.Log;

/// <summary>
/// A request to roll the active segment if every record in it is older than <see cref="Before"/>, so time
/// retention can delete it: the writer rolls only on appends, and an idle partition's segment would stay.
/// </summary>
internal sealed class RollOperation(long before) : WriterOperation
{
    public long Before { get; } = before;

    public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override bool IsCompleted => Completion.Task.IsCompleted;

    public override void Fail(Exception error) => Completion.TrySetException(error);
}

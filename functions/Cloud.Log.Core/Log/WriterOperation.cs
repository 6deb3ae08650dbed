namespace Cloud.Log.Core.Log;

/// <summary>Something the partition's single writer loop does while it holds the lease: an append, or a replica catch-up.</summary>
internal abstract class WriterOperation
{
    /// <summary>Whether the operation was already answered (refused, failed, or done).</summary>
    public abstract bool IsCompleted { get; }

    /// <summary>Answers the operation with a failure.</summary>
    public abstract void Fail(Exception error);
}

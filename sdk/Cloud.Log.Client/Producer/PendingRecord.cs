using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Client.Producer;

/// <summary>A record handed to the producer and not yet delivered: its encoding input and the caller's task.</summary>
internal sealed class PendingRecord(ProducerRecord record, int size, long appendedAt)
{
    public ProducerRecord Record { get; } = record;

    /// <summary>Its estimated encoded size, for batch size and buffer memory.</summary>
    public int Size { get; } = size;

    /// <summary>When it was appended (<see cref="Environment.TickCount64"/>): its delivery timeout runs from here.</summary>
    public long AppendedAt { get; } = appendedAt;

    public TaskCompletionSource<DeliveryResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

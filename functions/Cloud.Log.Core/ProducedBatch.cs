namespace Cloud.Log.Core;

/// <summary>
/// What became of one producer-encoded batch: where it was stored, or why it was not. As in Kafka's produce
/// response, each batch of a request has its own outcome: one partition's failure does not undo another's append.
/// </summary>
/// <param name="Partition">Its partition.</param>
/// <param name="BaseOffset">The offset of its first record (its records follow at their offset deltas); -1 with <c>acks=0</c> or an error.</param>
/// <param name="RecordCount">How many records it holds.</param>
/// <param name="LogAppendTime">The append time stamped on a LogAppendTime topic's batch; -1 under CreateTime, where the records keep the producer's timestamps.</param>
/// <param name="Error">Why it was not stored, or null when it was.</param>
public sealed record ProducedBatch(int Partition, long BaseOffset, int RecordCount, long LogAppendTime, CloudLogException? Error = null);

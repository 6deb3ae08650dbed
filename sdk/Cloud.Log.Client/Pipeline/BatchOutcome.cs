namespace Cloud.Log.Client.Pipeline;

/// <summary>What became of one batch of a binary produce.</summary>
internal readonly record struct BatchOutcome(int Partition, long BaseOffset, long LogAppendTime, CloudLogException? Error);

namespace Cloud.Log.Client.Pipeline;

/// <summary>A member's standing in its group, as a join or heartbeat answers it.</summary>
internal sealed record GroupAssignment(string MemberId, long Generation, TimeSpan HeartbeatInterval, IReadOnlyList<TopicPartition> Assigned, IReadOnlyList<TopicPartition> Target);

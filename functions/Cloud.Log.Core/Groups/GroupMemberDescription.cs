namespace Cloud.Log.Core.Groups;

/// <summary>One live member of a consumer group.</summary>
/// <param name="MemberId">The id the member got when it joined.</param>
/// <param name="Topics">The topics it subscribes to.</param>
/// <param name="SessionTimeout">How long its session lasts past each heartbeat.</param>
/// <param name="ExpiresAt">When its session runs out unless it sends a heartbeat.</param>
/// <param name="Assigned">The partitions it owns and reads now.</param>
/// <param name="Target">The partitions the group's assignment gives it (equal to <paramref name="Assigned"/> once stable).</param>
public sealed record GroupMemberDescription(
    string MemberId,
    IReadOnlyList<string> Topics,
    TimeSpan SessionTimeout,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<TopicPartition> Assigned,
    IReadOnlyList<TopicPartition> Target);

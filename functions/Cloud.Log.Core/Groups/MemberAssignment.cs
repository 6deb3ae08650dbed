namespace Cloud.Log.Core.Groups;

/// <summary>
/// A group member's standing after a join or a heartbeat. <see cref="Assigned"/> are the partitions it owns
/// and may read now; <see cref="Target"/> what the group's assignment gives it. Partitions assigned but not
/// in the target are being revoked: the member stops reading them, commits, and reports them released in its
/// next heartbeat. Partitions in the target not yet assigned are still owned by another member, which is
/// releasing them; they come with a later heartbeat. So no partition is read by two members at once.
/// </summary>
/// <param name="MemberId">The member's id.</param>
/// <param name="Generation">Grows each time the group's members change.</param>
/// <param name="HeartbeatInterval">
/// When the member should send its next heartbeat: a third of its session timeout, or sooner, just after another
/// member's session runs out, so the silent member's partitions move at once.
/// </param>
/// <param name="Assigned">The partitions it owns now.</param>
/// <param name="Target">The partitions the assignment gives it.</param>
public sealed record MemberAssignment(string MemberId, long Generation, TimeSpan HeartbeatInterval, IReadOnlyList<TopicPartition> Assigned, IReadOnlyList<TopicPartition> Target);

namespace Cloud.Log.Core.Groups;

/// <summary>A consumer group's members as they are now, read from Table storage.</summary>
/// <param name="Group">The group's name.</param>
/// <param name="Generation">Grows each time the group's members change.</param>
/// <param name="State">
/// <see cref="GroupState.Empty"/> with no live member, <see cref="GroupState.Stable"/> when every member owns
/// exactly what the assignment gives it, <see cref="GroupState.Rebalancing"/> while partitions are moving.
/// </param>
/// <param name="Members">The live members (whose sessions have not run out), by member id.</param>
public sealed record GroupDescription(string Group, long Generation, GroupState State, IReadOnlyList<GroupMemberDescription> Members);

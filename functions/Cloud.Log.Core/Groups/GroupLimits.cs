namespace Cloud.Log.Core.Groups;

/// <summary>The bounds of a group member's session timeout (Kafka's broker-side <c>group.min/max.session.timeout.ms</c>).</summary>
public static class GroupLimits
{
    /// <summary>The shortest session: 1 s. Shorter would need heartbeats faster than storage answers reliably.</summary>
    public const long MinSessionTimeoutMs = 1_000;

    /// <summary>The longest session: 5 min. A member silent for longer holds its partitions up for too long.</summary>
    public const long MaxSessionTimeoutMs = 300_000;
}

namespace Cloud.Log.Kafka.Groups;

/// <summary>One protocol a member offers in JoinGroup (for consumers: an assignor) with its metadata (the subscription).</summary>
internal sealed class ClassicGroupProtocol
{
    public string Name { get; set; } = string.Empty;

    public byte[] Metadata { get; set; } = [];
}

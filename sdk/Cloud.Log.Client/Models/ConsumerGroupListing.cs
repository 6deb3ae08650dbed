namespace Cloud.Log.Client;

/// <summary>A consumer group as a listing names it.</summary>
public class ConsumerGroupListing
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.ConsumerGroupListing"/>.</summary>
    protected ConsumerGroupListing()
    {
        GroupId = "";
    }

    internal ConsumerGroupListing(string groupId) => GroupId = groupId;

    /// <summary>The group's name.</summary>
    public virtual string GroupId { get; }
}

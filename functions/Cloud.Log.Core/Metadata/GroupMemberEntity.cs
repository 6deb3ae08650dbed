using System.Globalization;
using System.Runtime.Serialization;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A live member of a consumer group, in the groups table: partition key = group, row key <c>m|{memberId}</c>.
/// Its session lasts until <see cref="ExpiresAt"/>; each heartbeat moves that on.
/// </summary>
internal sealed class GroupMemberEntity : TableEntityBase
{
    public const string RowKeyPrefix = "m|";

    /// <summary>The topics it subscribes to, comma-separated.</summary>
    public string Topics { get; set; } = "";

    public long SessionTimeoutMs { get; set; }

    public long ExpiresAt { get; set; }

    [IgnoreDataMember]
    public string MemberId => RowKey[RowKeyPrefix.Length..];

    public static string RowKeyFor(string memberId) => RowKeyPrefix + memberId;

    [IgnoreDataMember]
    public IEnumerable<string> TopicList => Topics.Split(',', StringSplitOptions.RemoveEmptyEntries);

    public static long Expiry(DateTimeOffset now, long sessionTimeoutMs) => now.ToUnixTimeMilliseconds() + sessionTimeoutMs;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{MemberId} ({Topics}) until {ExpiresAt}");
}

using Cloud.Log.Api.Http;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// Who is calling and what they may do: their rights and, optionally, the topic-name prefixes they are
/// limited to.
/// </summary>
/// <param name="Name">The credential's name, for logs (never the secret).</param>
/// <param name="Rights">The rights the caller holds.</param>
/// <param name="TopicPrefixes">Topic-name prefixes the caller is limited to; empty means every topic.</param>
public sealed record ApiCaller(string Name, IReadOnlySet<ApiAccess> Rights, IReadOnlyList<string> TopicPrefixes)
{
    /// <summary>Every right on every topic (loopback without keys, or a function key).</summary>
    public static ApiCaller Unrestricted(string name) =>
        new(name, new HashSet<ApiAccess> { ApiAccess.Describe, ApiAccess.Produce, ApiAccess.Consume, ApiAccess.Admin }, []);

    /// <summary>Whether the caller may do what <paramref name="access"/> asks. Admin includes produce and consume.</summary>
    public bool Has(ApiAccess access) =>
        access is ApiAccess.Anonymous or ApiAccess.Describe ? Rights.Count > 0 : Rights.Contains(access) || Rights.Contains(ApiAccess.Admin);

    /// <summary>Whether the caller may touch <paramref name="topic"/>.</summary>
    public bool CanAccessTopic(string topic) =>
        TopicPrefixes.Count == 0 || TopicPrefixes.Any(p => topic.StartsWith(p, StringComparison.Ordinal));
}

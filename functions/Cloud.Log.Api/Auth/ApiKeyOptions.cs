namespace Cloud.Log.Api.Auth;

/// <summary>
/// One API key of the standalone server (configuration <c>CloudLog:Auth:ApiKeys:{n}</c>), sent by callers in
/// the <c>x-api-key</c> header.
/// </summary>
public sealed class ApiKeyOptions
{
    /// <summary>A name for logs; the key itself is never logged.</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret. Keep it out of source: set it through the environment or a secret store.</summary>
    public string Key { get; set; } = "";

    /// <summary><c>admin</c>, <c>produce</c> and/or <c>consume</c>. Admin includes the other two.</summary>
    public IList<string> Rights { get; } = [];

    /// <summary>Topic-name prefixes this key is limited to; none means every topic.</summary>
    public IList<string> TopicPrefixes { get; } = [];
}

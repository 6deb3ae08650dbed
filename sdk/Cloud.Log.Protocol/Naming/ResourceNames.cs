namespace Cloud.Log.Protocol.Naming;

/// <summary>
/// Kafka's naming rule for topics and groups: 1 to 249 characters of <c>a-z A-Z 0-9 . _ -</c>, and
/// neither <c>.</c> nor <c>..</c>. Names are checked before any storage call, and only names that
/// pass ever reach a blob path or a table key.
/// </summary>
public static class ResourceNames
{
    /// <summary>The longest name allowed, as in Kafka.</summary>
    public const int MaxLength = 249;

    /// <summary>Whether <paramref name="name"/> is a legal topic or group name.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name is "." or "..")
        {
            return false;
        }

        foreach (var c in name)
        {
            var legal = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';
            if (!legal)
            {
                return false;
            }
        }

        return true;
    }
}

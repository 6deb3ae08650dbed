using System.Text;

namespace Cloud.Log.Kafka.Sasl;

/// <summary>The client messages of the SASL mechanisms served: PLAIN (RFC 4616) and OAUTHBEARER (RFC 7628).</summary>
internal static class SaslMechanisms
{
    public const string Plain = "PLAIN";
    public const string OAuthBearer = "OAUTHBEARER";

    /// <summary>
    /// PLAIN's message, <c>[authzid] NUL authcid NUL passwd</c>: the username and password, or null when it is
    /// not one. An authorization id other than empty or the username is refused, as Kafka does.
    /// </summary>
    public static (string Username, string Password)? ReadPlain(ReadOnlySpan<byte> message)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var parts = text.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0 || (parts[0].Length > 0 && parts[0] != parts[1]))
        {
            return null;
        }

        return (parts[1], parts[2]);
    }

    /// <summary>
    /// OAUTHBEARER's client first message, <c>gs2-header ^A auth=Bearer token ^A [key=value ^A]* ^A</c> with the
    /// gs2 header <c>n,[a=authzid],</c> (no channel binding): the token, or null when it is not one. Extensions
    /// (other key=value pairs, which Kafka clients may send) are ignored.
    /// </summary>
    public static string? ReadOAuthBearer(ReadOnlySpan<byte> message)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        const char separator = '\u0001';
        var first = text.IndexOf(separator, StringComparison.Ordinal);
        if (first < 0 || !text.EndsWith("\u0001\u0001", StringComparison.Ordinal))
        {
            return null;
        }

        var header = text[..first];
        if (!header.StartsWith("n,", StringComparison.Ordinal) || !header.EndsWith(',') || header.Count(c => c == ',') != 2)
        {
            return null;
        }

        string? token = null;
        var pairs = first + 1 <= text.Length - 2 ? text[(first + 1)..^2] : string.Empty;
        foreach (var pair in pairs.Split(separator))
        {
            if (pair.StartsWith("auth=", StringComparison.Ordinal))
            {
                var value = pair["auth=".Length..];
                if (token is not null || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                {
                    return null;
                }

                token = value["Bearer ".Length..].Trim();
            }
            else if (!pair.Contains('=', StringComparison.Ordinal))
            {
                return null;
            }
        }

        return string.IsNullOrEmpty(token) ? null : token;
    }
}

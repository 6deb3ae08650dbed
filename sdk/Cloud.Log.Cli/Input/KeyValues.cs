namespace Cloud.Log.Cli.Input;

/// <summary>Repeated <c>k=v</c> options (<c>--config</c>, <c>--header</c>).</summary>
internal static class KeyValues
{
    /// <summary>The pairs of <paramref name="items"/>, in order; a pair without <c>=</c> or with an empty key is a usage error.</summary>
    public static List<KeyValuePair<string, string>> Parse(IEnumerable<string>? items, string option)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var item in items ?? [])
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliUsageException($"{option} takes key=value, not '{item}'.");
            }

            pairs.Add(new KeyValuePair<string, string>(item[..equals], item[(equals + 1)..]));
        }

        return pairs;
    }
}

using System.Text;
using System.Text.Json;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Input;

/// <summary>Turns an input line into a record: its key (<c>--key</c>, <c>--key-separator</c>, <c>--key-field</c>), value and headers (<c>--header</c>).</summary>
internal sealed class RecordBuilder
{
    private readonly ProduceFormat _format;
    private readonly BinaryData? _key;
    private readonly string? _keyField;
    private readonly string? _keySeparator;
    private readonly List<CloudLogHeader> _headers;

    public RecordBuilder(ProduceFormat format, string? key, string? keyField, string? keySeparator, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var keySources = (key is null ? 0 : 1) + (keyField is null ? 0 : 1) + (keySeparator is null ? 0 : 1);
        if (keySources > 1)
        {
            throw new CliUsageException("Take the key from one place: --key, --key-field or --key-separator.");
        }

        if (keyField is not null && format != ProduceFormat.Json)
        {
            throw new CliUsageException("--key-field reads the key from JSON lines: add --format json.");
        }

        if (keySeparator is { Length: 0 })
        {
            throw new CliUsageException("--key-separator cannot be empty.");
        }

        _format = format;
        _key = key is null ? null : BinaryData.FromString(key);
        _keyField = keyField;
        _keySeparator = keySeparator;
        _headers = [.. headers.Select(h => new CloudLogHeader(h.Key, BinaryData.FromString(h.Value)))];
    }

    /// <summary>The record for line <paramref name="lineNumber"/> (1-based, for messages); a line it cannot read is a usage error.</summary>
    public CloudLogMessage Build(string line, long lineNumber)
    {
        ArgumentNullException.ThrowIfNull(line);
        var key = _key;
        var value = line;
        if (_keySeparator is not null)
        {
            var at = line.IndexOf(_keySeparator, StringComparison.Ordinal);
            if (at < 0)
            {
                throw new CliUsageException($"Line {lineNumber} has no key separator '{_keySeparator}'.");
            }

            key = BinaryData.FromString(line[..at]);
            value = line[(at + _keySeparator.Length)..];
        }

        if (_format == ProduceFormat.Json)
        {
            key = JsonKey(value, lineNumber) ?? key;
        }

        var message = new CloudLogMessage(key, BinaryData.FromBytes(Encoding.UTF8.GetBytes(value)));
        foreach (var header in _headers)
        {
            message.Headers.Add(header);
        }

        return message;
    }

    /// <summary>Checks that <paramref name="value"/> is one JSON document; answers the key field's value when one is asked for.</summary>
    private BinaryData? JsonKey(string value, long lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            if (_keyField is null)
            {
                return null;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(_keyField, out var field))
            {
                throw new CliUsageException($"Line {lineNumber} has no field '{_keyField}' for the key.");
            }

            return field.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => BinaryData.FromString(field.GetString()!),
                _ => BinaryData.FromString(field.GetRawText()),
            };
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"Line {lineNumber} is not JSON: {e.Message.Split('\n')[0].Trim()}");
        }
    }
}

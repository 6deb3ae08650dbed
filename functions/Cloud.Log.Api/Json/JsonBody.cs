using System.Text.Json;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Api.Json;

/// <summary>
/// Strict access to the small JSON bodies of the admin and group endpoints: the body must be an object,
/// unknown fields are refused, and each accessor names the field whose type is wrong.
/// </summary>
internal sealed class JsonBody : IDisposable
{
    private readonly JsonDocument _document;

    private JsonBody(JsonDocument document) => _document = document;

    public JsonElement Root => _document.RootElement;

    /// <summary>Parses an object whose fields are all among <paramref name="fields"/>.</summary>
    public static JsonBody Parse(ReadOnlyMemory<byte> body, params string[] fields)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw Invalid("Malformed JSON: " + e.Message);
        }

        var parsed = new JsonBody(document);
        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The body must be a JSON object.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var name = property.Name;
                if (!fields.Contains(name))
                {
                    throw Invalid($"Unknown field '{name}'; this body takes {string.Join(", ", fields)}.");
                }

                if (!seen.Add(name))
                {
                    throw Invalid($"The field '{name}' appears twice.");
                }
            }

            return parsed;
        }
        catch (InvalidOperationException e)
        {
            // A property name that is not valid UTF-8.
            parsed.Dispose();
            throw Invalid("Malformed JSON text: " + e.Message);
        }
        catch
        {
            parsed.Dispose();
            throw;
        }
    }

    public static CloudLogException Invalid(string detail) => new(ErrorCode.InvalidRequest, detail);

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Field(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static string? String(JsonElement obj, string name) => Field(obj, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => Text(v, name),
        _ => throw Invalid($"'{name}' must be a string."),
    };

    /// <summary>A string value's text; one that is not valid UTF-8 is INVALID_REQUEST, not a crash.</summary>
    public static string Text(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"'{name}' is not valid UTF-8 text.");
        }
    }

    /// <summary>
    /// A whole number in 32 bits; <paramref name="outOfRange"/> is the error for a whole number that does
    /// not fit (the field's range error), anything else is INVALID_REQUEST.
    /// </summary>
    public static int? Int32(JsonElement obj, string name, ErrorCode outOfRange, string rangeDetail)
    {
        if (Field(obj, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Invalid($"'{name}' must be a whole number.");
        }

        if (value.TryGetInt32(out var result))
        {
            return result;
        }

        throw value.TryGetDouble(out var d) && Math.Floor(d) == d
            ? new CloudLogException(outOfRange, rangeDetail)
            : Invalid($"'{name}' must be a whole number.");
    }

    /// <summary>A whole number in 64 bits.</summary>
    public static long? Int64(JsonElement obj, string name)
    {
        if (Field(obj, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var result)
            ? result
            : throw Invalid($"'{name}' must be a whole number of at most 64 bits.");
    }

    /// <summary>
    /// An object of config values. Values are strings as in Kafka; numbers and booleans are taken as their
    /// JSON text ("retention.ms": 3600000 means "3600000"); null is kept when <paramref name="allowNull"/>.
    /// </summary>
    public static Dictionary<string, string?> Configs(JsonElement obj, string name, bool allowNull)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Field(obj, name) is not { } configs)
        {
            return result;
        }

        if (configs.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"'{name}' must be an object of config names to values.");
        }

        foreach (var config in configs.EnumerateObject())
        {
            result[config.Name] = config.Value.ValueKind switch
            {
                JsonValueKind.String => Text(config.Value, config.Name),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => config.Value.GetRawText(),
                JsonValueKind.Null when allowNull => null,
                _ => throw new CloudLogException(ErrorCode.InvalidConfig, $"Config '{config.Name}' must be a string{(allowNull ? " or null" : "")}."),
            };
        }

        return result;
    }

    public void Dispose() => _document.Dispose();
}

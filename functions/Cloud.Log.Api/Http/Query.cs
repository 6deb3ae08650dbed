using System.Globalization;
using Cloud.Log.Core;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>Query parameters and route numbers, parsed strictly: a value that is there must be well-formed.</summary>
internal static class Query
{
    /// <summary>A whole-number parameter, or null when absent; malformed or repeated is INVALID_REQUEST.</summary>
    public static long? Long(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        if (values.Count != 1 || !long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, $"Query parameter '{name}' must be one whole number.");
        }

        return value;
    }

    /// <summary>A whole-number parameter from <paramref name="min"/> to <paramref name="max"/>, or its default.</summary>
    public static int Int(IQueryCollection query, string name, int defaultValue, int min, int max)
    {
        var value = Long(query, name) ?? defaultValue;
        return value < min || value > max
            ? throw new CloudLogException(ErrorCode.InvalidRequest, $"Query parameter '{name}' must be from {min} to {max}.")
            : (int)value;
    }

    /// <summary>A text parameter, or null when absent; repeated is INVALID_REQUEST.</summary>
    public static string? Text(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        return values.Count == 1 ? values[0] : throw new CloudLogException(ErrorCode.InvalidRequest, $"Query parameter '{name}' is given more than once.");
    }

    /// <summary>The contract's spelling of acks: "0", "1", "all" (or Kafka's "-1"); null for anything else.</summary>
    public static Acks? ParseAcks(string? text) => text switch
    {
        "0" => Protocol.Acks.None,
        "1" => Protocol.Acks.Leader,
        "all" or "-1" => Protocol.Acks.All,
        _ => null,
    };

    /// <summary>The <c>acks</c> parameter of a binary produce, all when absent.</summary>
    public static Acks Acks(IQueryCollection query) =>
        Text(query, "acks") is not { } text ? Protocol.Acks.All
            : ParseAcks(text) ?? throw new CloudLogException(ErrorCode.InvalidRequest, "Query parameter 'acks' must be 0, 1 or all.");

    /// <summary>A header given at most once, or null when absent.</summary>
    public static string? HeaderOnce(HttpRequest request, string name)
    {
        var values = request.Headers[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw new CloudLogException(ErrorCode.InvalidRequest, $"Header '{name}' is given more than once."),
        };
    }

    /// <summary>
    /// The partition of a route: a whole number, else INVALID_REQUEST; one that cannot exist (negative, or
    /// past 32 bits) is an unknown partition, as one past the topic's count is.
    /// </summary>
    public static int Partition(string topic, string partition)
    {
        if (!long.TryParse(partition, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, $"Partition '{partition}' is not a whole number.");
        }

        return value is >= 0 and <= int.MaxValue
            ? (int)value
            : throw new CloudLogException(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' has no partition {value}.");
    }
}

using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Cloud.Log.Core;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Api.Json;

/// <summary>
/// Reads a produce body with <see cref="Utf8JsonReader"/>, strictly: unknown or repeated fields, wrong
/// types and bad base64 are refused with the field's path in the detail (<c>records[3].timestamp</c>).
/// Unescaped strings are sliced out of the body rather than copied, so the body must outlive the records.
/// </summary>
internal static class ProduceRequestReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>Parses <paramref name="body"/>; <paramref name="queueMessage"/> adds the <c>topic</c> and <c>idempotencyKey</c> fields.</summary>
    public static ProduceRequest Parse(ReadOnlyMemory<byte> body, bool queueMessage)
    {
        try
        {
            return ParseCore(body, queueMessage);
        }
        catch (JsonException e)
        {
            throw new CloudLogException(ErrorCode.InvalidRequest, "Malformed JSON: " + e.Message);
        }
        catch (InvalidOperationException e)
        {
            // Text the reader cannot turn into a string (invalid UTF-8, a lone surrogate escape).
            throw new CloudLogException(ErrorCode.InvalidRequest, "Malformed JSON text: " + e.Message);
        }
    }

    private static ProduceRequest ParseCore(ReadOnlyMemory<byte> body, bool queueMessage)
    {
        var reader = new Utf8JsonReader(body.Span, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Request("The body must be a JSON object.");
        }

        var acks = Acks.All;
        List<ProduceRecord>? records = null;
        string? topic = null;
        string? idempotencyKey = null;
        long? producerId = null;
        short? producerEpoch = null;
        Dictionary<int, int>? baseSequences = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!seen.Add(name))
            {
                throw Request($"The field '{name}' appears twice.");
            }

            reader.Read();
            switch (name)
            {
                case "acks":
                    acks = ReadAcks(ref reader);
                    break;
                case "records":
                    records = ReadRecords(ref reader, body);
                    break;
                case "topic" when queueMessage:
                    topic = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Request("'topic' must be a string.");
                    break;
                case "idempotencyKey" when queueMessage:
                    idempotencyKey = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Null => null,
                        _ => throw Request("'idempotencyKey' must be a string or null."),
                    };
                    break;
                case "producerId" when !queueMessage:
                    producerId = ReadWhole(ref reader, name, 0, ProducerIdempotence.KeyDerivedBit - 1);
                    break;
                case "producerEpoch" when !queueMessage:
                    producerEpoch = (short)ReadWhole(ref reader, name, 0, short.MaxValue);
                    break;
                case "baseSequences" when !queueMessage:
                    baseSequences = ReadBaseSequences(ref reader);
                    break;
                default:
                    throw Request($"Unknown field '{name}'; a produce body has {(queueMessage ? "topic, idempotencyKey, acks and records" : "acks, records, producerId, producerEpoch and baseSequences")}.");
            }
        }

        if (reader.Read())
        {
            throw Request("Content follows the JSON object.");
        }

        if (records is null || records.Count == 0)
        {
            throw Request("'records' must be a non-empty array.");
        }

        if (queueMessage && topic is null)
        {
            throw Request("A produce-queue message names its 'topic'.");
        }

        if ((producerId is null) != (producerEpoch is null) || (producerId is null) != (baseSequences is null))
        {
            throw Request("An idempotent produce gives producerId, producerEpoch and baseSequences together.");
        }

        var producer = producerId is { } id ? new ProducerIdempotence(id, producerEpoch!.Value, baseSequences) : null;
        return new ProduceRequest(acks, records, topic, idempotencyKey, producer);
    }

    private static long ReadWhole(ref Utf8JsonReader reader, string field, long min, long max) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= min && value <= max
            ? value
            : throw Request($"'{field}' must be a whole number from {min} to {max}.");

    /// <summary><c>{"0": 12, "3": 0}</c>: the sequence of the request's first record in each partition it writes.</summary>
    private static Dictionary<int, int> ReadBaseSequences(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Request("'baseSequences' must be an object of partition number to sequence.");
        }

        var sequences = new Dictionary<int, int>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var partition) || !sequences.TryAdd(partition, 0))
            {
                throw Request($"baseSequences: '{name}' is not a partition number, or appears twice.");
            }

            reader.Read();
            sequences[partition] = (int)ReadWhole(ref reader, $"baseSequences.{name}", 0, int.MaxValue);
        }

        return sequences;
    }

    private static Acks ReadAcks(ref Utf8JsonReader reader)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
            _ => null,
        };
        return Http.Query.ParseAcks(text) ?? throw Request("'acks' must be \"0\", \"1\" or \"all\".");
    }

    private static List<ProduceRecord> ReadRecords(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Request("'records' must be an array.");
        }

        var records = new List<ProduceRecord>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Record(records.Count, "", "must be an object");
            }

            records.Add(ReadRecord(ref reader, body, records.Count));
        }

        return records;
    }

    private static ProduceRecord ReadRecord(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, int index)
    {
        ReadOnlyMemory<byte>? key = null, value = null;
        List<RecordHeader>? headers = null;
        long? timestamp = null;
        int? partition = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!seen.Add(name))
            {
                throw Record(index, name, "appears twice");
            }

            reader.Read();
            switch (name)
            {
                case "key":
                    key = ReadText(ref reader, body, index, name);
                    break;
                case "keyBase64":
                    key = ReadBase64(ref reader, index, name);
                    break;
                case "value":
                    value = ReadValue(ref reader, body, index);
                    break;
                case "valueBase64":
                    value = ReadBase64(ref reader, index, name);
                    break;
                case "headers":
                    headers = ReadHeaders(ref reader, body, index);
                    break;
                case "timestamp":
                    timestamp = ReadTimestamp(ref reader, index);
                    break;
                case "partition":
                    partition = ReadPartition(ref reader, index);
                    break;
                default:
                    throw Record(index, name, "is not a record field (key, keyBase64, value, valueBase64, headers, timestamp, partition)");
            }
        }

        if (seen.Contains("key") && seen.Contains("keyBase64"))
        {
            throw Record(index, "keyBase64", "cannot be given with 'key'");
        }

        if (seen.Contains("value") && seen.Contains("valueBase64"))
        {
            throw Record(index, "valueBase64", "cannot be given with 'value'");
        }

        return new ProduceRecord(key, value, headers, timestamp, partition);
    }

    /// <summary>A string's UTF-8 bytes (a slice of the body when unescaped), or null.</summary>
    private static ReadOnlyMemory<byte>? ReadText(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, int index, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw Record(index, field, "must be a string or null");
        }

        if (!reader.ValueIsEscaped)
        {
            var slice = body.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
            return Utf8.IsValid(slice.Span) ? slice : throw Record(index, field, "is not valid UTF-8; send bytes as base64");
        }

        try
        {
            return Encoding.UTF8.GetBytes(reader.GetString()!);
        }
        catch (InvalidOperationException)
        {
            throw Record(index, field, "is not valid text (a lone surrogate escape?); send bytes as base64");
        }
    }

    private static ReadOnlyMemory<byte>? ReadBase64(ref Utf8JsonReader reader, int index, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String || !reader.TryGetBytesFromBase64(out var bytes))
        {
            throw Record(index, field, "must be a base64 string or null");
        }

        return bytes;
    }

    /// <summary>A string is stored as its text; any other JSON value as its compact JSON text; null is a tombstone.</summary>
    private static ReadOnlyMemory<byte>? ReadValue(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, int index)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
            case JsonTokenType.String:
                return ReadText(ref reader, body, index, "value");
            case JsonTokenType.Number:
            case JsonTokenType.True:
            case JsonTokenType.False:
                return reader.ValueSpan.ToArray();
            default:
                using (var document = JsonDocument.ParseValue(ref reader))
                {
                    var buffer = new ArrayBufferWriter<byte>();
                    using (var writer = new Utf8JsonWriter(buffer))
                    {
                        document.WriteTo(writer);
                    }

                    return buffer.WrittenMemory;
                }
        }
    }

    private static List<RecordHeader>? ReadHeaders(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, int index)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Record(index, "headers", "must be an object of strings, or null");
        }

        var headers = new List<RecordHeader>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
            {
                throw Record(index, $"headers.{name}", "must be a string or null");
            }

            headers.Add(new RecordHeader(name, ReadText(ref reader, body, index, $"headers.{name}")));
        }

        return headers;
    }

    private static long? ReadTimestamp(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var timestamp) || timestamp < 0)
        {
            throw Record(index, "timestamp", "must be milliseconds since the Unix epoch: a whole number, 0 or more");
        }

        return timestamp;
    }

    private static int? ReadPartition(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var partition))
        {
            // A whole number outside the topic's partitions is an unknown partition (404), as the contract says.
            return partition is >= 0 and <= int.MaxValue ? (int)partition : -1;
        }

        throw Record(index, "partition", "must be a whole number or null");
    }

    private static CloudLogException Request(string detail) => new(ErrorCode.InvalidRequest, detail);

    private static CloudLogException Record(int index, string field, string problem) =>
        new(ErrorCode.InvalidRecord, field.Length == 0 ? $"records[{index}] {problem}." : $"records[{index}].{field} {problem}.");
}

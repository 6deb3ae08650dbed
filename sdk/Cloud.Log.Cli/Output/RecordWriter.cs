using System.Globalization;
using System.Text;
using System.Text.Json;
using Cloud.Log.Client;
using Spectre.Console;

namespace Cloud.Log.Cli.Output;

/// <summary>
/// Prints consumed records: text is each value on a line of its own; JSON lines carry topic, partition,
/// offset, timestamp (ms since the epoch), key, value and headers (as the REST API's fetch writes them, with
/// <c>keyBase64</c> / <c>valueBase64</c> for bytes that are not UTF-8); a table shows the same columns.
/// </summary>
internal sealed class RecordWriter(Terminal terminal, OutputFormat format)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly List<ConsumeResult> _tableRows = [];

    /// <summary>Prints (or, for a table, keeps) <paramref name="record"/>.</summary>
    public void Write(ConsumeResult record)
    {
        ArgumentNullException.ThrowIfNull(record);
        switch (format)
        {
            case OutputFormat.Json:
                terminal.Out.WriteLine(Json(record));
                break;
            case OutputFormat.Table:
                _tableRows.Add(record);
                if (_tableRows.Count >= 1000)
                {
                    Flush();
                }

                break;
            default:
                terminal.Out.WriteLine(record.Value is null ? "" : Encoding.UTF8.GetString(record.Value.ToMemory().Span));
                break;
        }
    }

    /// <summary>Writes what is kept (a table's rows) and flushes standard output.</summary>
    public void Flush()
    {
        if (_tableRows.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var title in new[] { "PARTITION", "OFFSET", "TIMESTAMP", "KEY", "VALUE", "HEADERS" })
            {
                table.AddColumn(title);
            }

            foreach (var r in _tableRows)
            {
                table.AddRow(
                    new Text(r.Partition.ToString(CultureInfo.InvariantCulture)),
                    new Text(r.Offset.Value.ToString(CultureInfo.InvariantCulture)),
                    new Text(r.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
                    new Text(Show(r.Key)),
                    new Text(Show(r.Value)),
                    new Text(string.Join(',', r.Headers.Select(h => $"{h.Key}={Show(h.Value)}"))));
            }

            terminal.OutConsole.Write(table);
            _tableRows.Clear();
        }

        terminal.Out.Flush();
    }

    /// <summary>A record as one JSON line.</summary>
    public static string Json(ConsumeResult record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("topic", record.Topic);
            writer.WriteNumber("partition", record.Partition);
            writer.WriteNumber("offset", record.Offset.Value);
            writer.WriteNumber("timestamp", record.Timestamp.ToUnixTimeMilliseconds());
            WriteBytes(writer, "key", record.Key);
            WriteBytes(writer, "value", record.Value);
            writer.WriteStartObject("headers");
            foreach (var header in record.Headers)
            {
                writer.WritePropertyName(header.Key);
                if (header.Value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(Encoding.UTF8.GetString(header.Value.ToMemory().Span));
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteBytes(Utf8JsonWriter writer, string name, BinaryData? data)
    {
        if (data is null)
        {
            writer.WriteNull(name);
        }
        else if (TryText(data, out var text))
        {
            writer.WriteString(name, text);
        }
        else
        {
            writer.WriteBase64String(name + "Base64", data.ToMemory().Span);
        }
    }

    private static string Show(BinaryData? data) =>
        data is null ? "" : TryText(data, out var text) ? text : "0x" + Convert.ToHexString(data.ToMemory().Span);

    private static bool TryText(BinaryData data, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(data.ToMemory().Span);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Cloud.Log.Cli.Output;

/// <summary>Prints rows as text (tab-separated), JSON lines or a table.</summary>
internal static class Tabular
{
    /// <summary>Prints <paramref name="rows"/>; a cell is a string, a number, a list of numbers, a map of strings or null.</summary>
    public static void Write(Terminal terminal, OutputFormat format, IReadOnlyList<Column> columns, IEnumerable<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        switch (format)
        {
            case OutputFormat.Json:
                foreach (var row in rows)
                {
                    terminal.Out.WriteLine(JsonLine(columns, row));
                }

                break;
            case OutputFormat.Table:
                var table = new Table().Border(TableBorder.Rounded);
                foreach (var column in columns)
                {
                    table.AddColumn(new TableColumn(Markup.Escape(column.Title)));
                }

                foreach (var row in rows)
                {
                    table.AddRow([.. row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(Text(cell)))]);
                }

                terminal.OutConsole.Write(table);
                break;
            default:
                foreach (var row in rows)
                {
                    terminal.Out.WriteLine(string.Join('\t', row.Select(Text)));
                }

                break;
        }
    }

    /// <summary>A cell as text: numbers invariant, lists comma-separated, maps as <c>k=v</c> pairs.</summary>
    public static string Text(object? cell) => cell switch
    {
        null => "",
        string s => s,
        IReadOnlyDictionary<string, string> map => string.Join(',', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
        IEnumerable<int> list => string.Join(',', list.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };

    /// <summary>One row as a JSON object, named by the columns' JSON names.</summary>
    public static string JsonLine(IReadOnlyList<Column> columns, object?[] row)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(row);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            for (var i = 0; i < columns.Count; i++)
            {
                writer.WritePropertyName(columns[i].JsonName);
                WriteValue(writer, row[i]);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes a cell as a JSON value.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? cell)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (cell)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case IReadOnlyDictionary<string, string> map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<int> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    writer.WriteNumberValue(item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Text(cell));
                break;
        }
    }
}

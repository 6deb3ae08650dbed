namespace Cloud.Log.Cli.Output;

/// <summary>How a command prints what it answers.</summary>
internal enum OutputFormat
{
    /// <summary>Tab-separated values, one line per row, no header: for scripts and <c>cut</c>.</summary>
    Text,

    /// <summary>One JSON object per line (JSON lines).</summary>
    Json,

    /// <summary>A table with a header, for people.</summary>
    Table,
}

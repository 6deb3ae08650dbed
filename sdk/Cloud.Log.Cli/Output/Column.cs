namespace Cloud.Log.Cli.Output;

/// <summary>A column of a command's answer: its table title and its JSON name.</summary>
internal sealed record Column(string Title, string JsonName);

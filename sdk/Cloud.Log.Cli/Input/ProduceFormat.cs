namespace Cloud.Log.Cli.Input;

/// <summary>How <c>produce</c> reads its input.</summary>
internal enum ProduceFormat
{
    /// <summary>Each line is a record's value (UTF-8 text).</summary>
    Lines,

    /// <summary>Each line is a JSON document, the record's value; <c>--key-field</c> can take the key from it.</summary>
    Json,
}

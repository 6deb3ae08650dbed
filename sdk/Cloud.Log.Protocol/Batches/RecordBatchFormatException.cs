namespace Cloud.Log.Protocol.Batches;

/// <summary>
/// Bytes that are not a whole, intact record batch: a bad magic byte, a length that does not fit, or a
/// CRC-32C that does not match. Such bytes are reported, never returned as records.
/// </summary>
public sealed class RecordBatchFormatException : Exception
{
    /// <summary>Creates the exception with a message naming what is wrong.</summary>
    public RecordBatchFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public RecordBatchFormatException()
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RecordBatchFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

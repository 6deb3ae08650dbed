namespace Cloud.Log.Api;

/// <summary>
/// Settings of the HTTP contract, the same in both hosts (configuration section <c>CloudLog:Api</c>).
/// Every property documents its default and range.
/// </summary>
public sealed class CloudLogApiOptions
{
    private int _maxRequestBodyBytes = 16 * 1024 * 1024;
    private int _maxRequestHeaderBytes = 64 * 1024;
    private int _maxFetchBytes = 64 * 1024 * 1024;
    private int _maxFetchRecords = 100_000;
    private int _maxFetchPartitions = 256;

    /// <summary>
    /// The largest request body taken, in bytes; a larger one is 413 REQUEST_TOO_LARGE before any of it
    /// is stored. Default 16 MiB (room for a few base64-encoded batches of <c>max.message.bytes</c>); 1 KiB to 256 MiB.
    /// </summary>
    public int MaxRequestBodyBytes
    {
        get => _maxRequestBodyBytes;
        set => _maxRequestBodyBytes = InRange(value, 1024, 256 * 1024 * 1024);
    }

    /// <summary>
    /// The largest total size of a request's headers, in bytes; larger is 413 REQUEST_TOO_LARGE.
    /// Default 64 KiB; 4 KiB to 1 MiB.
    /// </summary>
    public int MaxRequestHeaderBytes
    {
        get => _maxRequestHeaderBytes;
        set => _maxRequestHeaderBytes = InRange(value, 4 * 1024, 1024 * 1024);
    }

    /// <summary>The largest <c>maxBytes</c> a fetch may ask for. Default 64 MiB; 1 KiB to 256 MiB.</summary>
    public int MaxFetchBytes
    {
        get => _maxFetchBytes;
        set => _maxFetchBytes = InRange(value, 1024, 256 * 1024 * 1024);
    }

    /// <summary>The largest <c>maxRecords</c> a fetch may ask for. Default 100,000; 1 to 1,000,000.</summary>
    public int MaxFetchRecords
    {
        get => _maxFetchRecords;
        set => _maxFetchRecords = InRange(value, 1, 1_000_000);
    }

    /// <summary>
    /// The most partitions one multi-partition fetch (<c>POST /api/fetch</c>) may name; more is 400 INVALID_REQUEST.
    /// Default 256; 1 to 10,000.
    /// </summary>
    public int MaxFetchPartitions
    {
        get => _maxFetchPartitions;
        set => _maxFetchPartitions = InRange(value, 1, 10_000);
    }

    private static int InRange(int value, int min, int max) =>
        value < min || value > max ? throw new ArgumentOutOfRangeException(nameof(value), value, $"Must lie between {min} and {max}.") : value;
}

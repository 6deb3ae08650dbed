using Azure.Core;
using Azure.Core.Pipeline;

namespace Cloud.Log.Core.Storage;

/// <summary>
/// Counts the storage requests an engine sends, by kind, so tests can prove how many round trips an
/// operation costs and benchmarks can report transactions per record. Counting is one interlocked
/// increment per request.
/// </summary>
public sealed class StorageRequestCounter
{
    private long _blobReads;
    private long _blobWrites;
    private long _tableRequests;
    private long _blobBytesRead;
    private long _indexWrites;
    private long _indexReads;
    private long _propertyReads;

    /// <summary>GET and HEAD requests to blob storage (data, index and property reads).</summary>
    public long BlobReads => Interlocked.Read(ref _blobReads);

    /// <summary>PUT, POST and DELETE requests to blob storage (appends, creates, seals, deletes).</summary>
    public long BlobWrites => Interlocked.Read(ref _blobWrites);

    /// <summary>Bytes of content the answers to blob GET requests carried (data and index reads).</summary>
    public long BlobBytesRead => Interlocked.Read(ref _blobBytesRead);

    /// <summary>Of <see cref="BlobWrites"/>, those to segments' offset index blobs (<c>.index</c>): index appends and creates.</summary>
    public long IndexWrites => Interlocked.Read(ref _indexWrites);

    /// <summary>Of <see cref="BlobReads"/>, those to segments' offset index blobs: index reads and measures.</summary>
    public long IndexReads => Interlocked.Read(ref _indexReads);

    /// <summary>Of <see cref="BlobReads"/>, the HEAD requests to other blobs and containers: a data blob's length, block count and seal (a probe), without its bytes.</summary>
    public long PropertyReads => Interlocked.Read(ref _propertyReads);

    /// <summary>Every request to Table storage.</summary>
    public long TableRequests => Interlocked.Read(ref _tableRequests);

    /// <summary>All storage requests.</summary>
    public long Total => BlobReads + BlobWrites + TableRequests;

    internal HttpPipelinePolicy CreatePolicy(bool tables) => new CountingPolicy(this, tables);

    private void Count(Request request, bool tables)
    {
        if (tables)
        {
            Interlocked.Increment(ref _tableRequests);
        }
        else
        {
            var read = request.Method == RequestMethod.Get || request.Method == RequestMethod.Head;
            Interlocked.Increment(ref read ? ref _blobReads : ref _blobWrites);
            if (request.Uri.Path.EndsWith(".index", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref read ? ref _indexReads : ref _indexWrites);
            }
            else if (request.Method == RequestMethod.Head)
            {
                Interlocked.Increment(ref _propertyReads);
            }
        }
    }

    private sealed class CountingPolicy(StorageRequestCounter counter, bool tables) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => counter.Count(message.Request, tables);

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (!tables && message.Request.Method == RequestMethod.Get && message.Response.Headers.ContentLength is { } length)
            {
                Interlocked.Add(ref counter._blobBytesRead, length);
            }
        }
    }
}

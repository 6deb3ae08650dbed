using System.Buffers;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Cloud.Log.Core.Storage;

/// <summary>
/// A location's log container, <c>{prefix}-log</c>. Each segment is an append blob
/// <c>{topicId}/{partition:D5}/{baseOffset:D20}-{epoch:D10}.log</c> beside its offset index
/// <c>….index</c>; every replica location holds its copy under the same name. Every append carries the
/// append-position condition, so a writer with a stale view fails instead of writing a duplicate or a gap.
/// </summary>
internal sealed class SegmentBlobs(BlobContainerClient container)
{
    /// <summary>
    /// The buffers fetches read into, returned once their bytes are in the HTTP response: a fetch reads 1 MiB (or 1 MiB
    /// and an index interval) at a time, and a fresh array each time is a large-object-heap allocation and, soon, a
    /// full collection. Bounded: at most 32 MiB of idle arrays are kept, all sizes together (sixteen reads of 1 MiB and
    /// an index interval); a buffer never returned is only garbage.
    /// </summary>
    private static readonly BoundedArrayPool ReadPool = new(maxArrayLength: 8 * 1024 * 1024, maxIdleBytes: 32L * 1024 * 1024);

    public BlobContainerClient Container { get; } = container;

    public static string DataBlobName(string topicId, int partition, long baseOffset, int epoch) =>
        string.Create(CultureInfo.InvariantCulture, $"{topicId}/{partition:D5}/{baseOffset:D20}-{epoch:D10}.log");

    public static string IndexBlobName(string dataBlobName) => dataBlobName[..^".log".Length] + ".index";

    public AppendBlobClient Data(string blobName) => Container.GetAppendBlobClient(blobName);

    public AppendBlobClient Index(string blobName) => Container.GetAppendBlobClient(IndexBlobName(blobName));

    /// <summary>
    /// Creates the segment's data and index blobs unless they exist (a roll interrupted by a crash), and the
    /// container first when it is missing (the location did not answer when the engine started).
    /// </summary>
    public async Task CreateSegmentAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            await CreateIfMissingAsync(Data(blobName), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == "ContainerNotFound")
        {
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await CreateIfMissingAsync(Data(blobName), cancellationToken).ConfigureAwait(false);
        }

        await CreateIfMissingAsync(Index(blobName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends one block at exactly <paramref name="position"/>; 412 if the blob is not that long.</summary>
    public static async Task<int> AppendAsync(AppendBlobClient blob, ReadOnlyMemory<byte> block, long position, CancellationToken cancellationToken)
    {
        using var stream = new ReadOnlyMemoryStream(block);
        var options = new AppendBlobAppendBlockOptions
        {
            Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = position },
        };
        var info = await blob.AppendBlockAsync(stream, options, cancellationToken).ConfigureAwait(false);
        return info.Value.BlobCommittedBlockCount;
    }

    /// <summary>The blob's length and whether it is sealed, or null when it does not exist.</summary>
    public static async Task<(long Length, bool Sealed)?> MeasureAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return (properties.Value.ContentLength, properties.Value.IsSealed);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// Deletes the blob if it is sealed and shorter than <paramref name="shorterThan"/> bytes, under the ETag it
    /// was read with, so a copy another copier has just started in its place is never deleted. True when it is
    /// gone (deleted here, or already missing).
    /// </summary>
    public static async Task<bool> DeleteIfSealedShortAsync(AppendBlobClient blob, long shorterThan, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!properties.Value.IsSealed || properties.Value.ContentLength >= shorterThan)
            {
                return false;
            }

            await blob.DeleteAsync(conditions: new BlobRequestConditions { IfMatch = properties.Value.ETag }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false; // changed since it was read: another copier replaced it
        }
    }

    /// <summary>Seals the blob so it refuses every later append; sealing a sealed blob is fine.</summary>
    public static async Task SealAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await blob.SealAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (StorageErrors.IsSealed(e))
        {
        }
    }

    /// <summary>
    /// Reads from <paramref name="position"/>, <paramref name="length"/> bytes or to the end when null.
    /// Reading at or past the end answers no bytes (with the blob's state), not an error. With
    /// <paramref name="pooled"/>, the bytes lie in a buffer of the read pool (<see cref="BlobRead.Pooled"/>),
    /// which the caller gives back with <see cref="Return"/> once nothing reads them any more (or never).
    /// With <paramref name="headers"/>, the blob's state is told as soon as the response's headers are in, before
    /// its bytes (null when the read fails).
    /// </summary>
    public static Task<BlobRead> ReadAsync(AppendBlobClient blob, long position, long? length, CancellationToken cancellationToken, bool pooled = false, TaskCompletionSource<BlobState?>? headers = null) =>
        ReadTellingAsync(blob, position, length, headers, pooled, null, cancellationToken);

    /// <summary>
    /// Takes a pooled buffer for a read that continues bytes already read: <paramref name="carried"/> (the start of a
    /// batch a read cut, say) is copied to its head, and <paramref name="length"/> bytes after it are left for
    /// <see cref="ReadAfterAsync"/>. The caller owns the buffer until it hands it to that read.
    /// </summary>
    public static byte[] RentCarrying(ReadOnlySpan<byte> carried, long length)
    {
        var buffer = ReadPool.Rent(checked(carried.Length + (int)length));
        carried.CopyTo(buffer);
        return buffer;
    }

    /// <summary>
    /// <see cref="ReadAsync"/> of <paramref name="length"/> bytes at <paramref name="position"/>, into
    /// <paramref name="buffer"/> (from <see cref="RentCarrying"/>) after the <paramref name="carried"/> bytes at its
    /// head, which lie just before <paramref name="position"/> in the blob: the read answers both as one range, so a
    /// batch cut by the read before is not read from storage twice. The buffer belongs to the answer, or goes back
    /// to the pool when the read fails. Nothing at or past the position answers the carried bytes alone.
    /// </summary>
    public static async Task<BlobRead> ReadAfterAsync(AppendBlobClient blob, byte[] buffer, int carried, long position, long length, TaskCompletionSource<BlobState?>? headers, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadTellingAsync(blob, position, length, headers, pooled: true, new Carried(buffer, carried), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ReadPool.Return(buffer);
            throw;
        }
    }

    private static async Task<BlobRead> ReadTellingAsync(AppendBlobClient blob, long position, long? length, TaskCompletionSource<BlobState?>? headers, bool pooled, Carried? carried, CancellationToken cancellationToken)
    {
        try
        {
            var read = await ReadCoreAsync(blob, position, length, headers, pooled, carried, cancellationToken).ConfigureAwait(false);
            headers?.TrySetResult(new BlobState(read.BlobLength, read.IsSealed));
            return read;
        }
        catch
        {
            headers?.TrySetResult(null);
            throw;
        }
    }

    private static async Task<BlobRead> ReadCoreAsync(AppendBlobClient blob, long position, long? length, TaskCompletionSource<BlobState?>? headers, bool pooled, Carried? carried, CancellationToken cancellationToken)
    {
        // What the answer holds before the bytes read now: the carried bytes, when there are any.
        var head = carried?.Buffer.AsMemory(0, carried.Value.Count) ?? ReadOnlyMemory<byte>.Empty;
        if (length == 0)
        {
            // An empty range is no range at all (the SDK refuses it): answer the blob's state only.
            var state = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BlobRead(head, state.Value.ContentLength, state.Value.IsSealed, state.Value.BlobCommittedBlockCount, carried?.Buffer);
        }

        try
        {
            // A read to the end starts one byte early: at a tail with nothing new, the storage then answers that
            // byte rather than 416 (an exception, and a second request for the blob's state, on every idle poll).
            var skip = length is null && position > 0 && carried is null ? 1 : 0;
            var options = new BlobDownloadOptions { Range = new HttpRange(position - skip, length) };

            // Streamed into one array of the range's length (or a pooled one at least as long, or the carried bytes'
            // buffer after them): no growing buffer and copy per read.
            var result = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            var details = result.Value.Details;
            if (TotalLength(details.ContentRange, -1) is var total and >= 0)
            {
                headers?.TrySetResult(new BlobState(total, details.IsSealed));
            }

            var size = checked((int)details.ContentLength);
            var offset = head.Length;
            var rented = carried?.Buffer ?? (pooled && size > 0 ? ReadPool.Rent(size) : null);
            var data = rented ?? new byte[size];
            var content = result.Value.Content;
            await using (content.ConfigureAwait(false))
            {
                await content.ReadExactlyAsync(data.AsMemory(offset, size), cancellationToken).ConfigureAwait(false);
            }

            var read = data.AsMemory(skip, offset + size - skip);
            return new BlobRead(read, TotalLength(details.ContentRange, position + size - skip), details.IsSealed, details.BlobCommittedBlockCount, rented);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            // Nothing at or past the position: ask for the blob's state instead.
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BlobRead(head, properties.Value.ContentLength, properties.Value.IsSealed, properties.Value.BlobCommittedBlockCount, carried?.Buffer);
        }
    }

    /// <summary>A read's pooled buffer whose first <paramref name="Count"/> bytes were read before.</summary>
    private readonly record struct Carried(byte[] Buffer, int Count);

    /// <summary>Gives a buffer of a pooled read back to the pool; nothing may read its bytes afterwards.</summary>
    public static void Return(byte[]? pooled)
    {
        if (pooled is not null)
        {
            ReadPool.Return(pooled);
        }
    }

    private static long TotalLength(string? contentRange, long fallback)
    {
        // "bytes 0-99/1234"
        var slash = contentRange?.LastIndexOf('/') ?? -1;
        return slash >= 0 && long.TryParse(contentRange.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? total
            : fallback;
    }

    private static async Task CreateIfMissingAsync(AppendBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var options = new AppendBlobCreateOptions { Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All } };
            await blob.CreateAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
        }
    }
}

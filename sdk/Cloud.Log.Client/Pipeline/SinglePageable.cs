using Azure;

namespace Cloud.Log.Client.Pipeline;

/// <summary>A listing the service answers in one page, fetched when first enumerated (not when created).</summary>
internal sealed class SinglePageable<T>(Func<CancellationToken, Task<(IReadOnlyList<T> Values, Response Response)>> fetch, CancellationToken cancellationToken) : AsyncPageable<T>(cancellationToken)
    where T : notnull
{
    public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
    {
        var (values, response) = await fetch(CancellationToken).ConfigureAwait(false);
        yield return Page<T>.FromValues(values, null, response);
    }
}

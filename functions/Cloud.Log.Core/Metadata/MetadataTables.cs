using Azure.Data.Tables;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// The engine's tables, all in the metadata location: <c>{prefix}topics</c>, <c>{prefix}partitions</c>
/// (each partition's state row with its segment and producer rows), <c>{prefix}groups</c>,
/// <c>{prefix}deletedtopics</c>. Their keys are listed in docs/storage.md.
/// </summary>
internal sealed class MetadataTables
{
    public MetadataTables(TableServiceClient service, string prefix)
    {
        Topics = service.GetTableClient(prefix + "topics");
        Partitions = service.GetTableClient(prefix + "partitions");
        Groups = service.GetTableClient(prefix + "groups");
        DeletedTopics = service.GetTableClient(prefix + "deletedtopics");
    }

    public TableClient Topics { get; }

    public TableClient Partitions { get; }

    public TableClient Groups { get; }

    public TableClient DeletedTopics { get; }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Topics, Partitions, Groups, DeletedTopics })
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes rows of one partition key in transactions of at most 100 (Table storage's limit).</summary>
    public static async Task SubmitInChunksAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        for (var i = 0; i < actions.Count; i += 100)
        {
            var chunk = actions.Skip(i).Take(100).ToList();
            await table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }
}

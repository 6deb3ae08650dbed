using Azure;
using Azure.Core;
using Cloud.Log.Client.Pipeline;

namespace Cloud.Log.Client;

/// <summary>
/// Manages topics and consumer groups (Kafka's admin client): create, list, describe, alter configs, add
/// partitions and delete topics; list groups, read their committed offsets and lag, delete them. Calls
/// answer <see cref="Response{T}"/> and listings <see cref="AsyncPageable{T}"/>, as the Azure SDK's do.
/// </summary>
public class CloudLogAdminClient
{
    private readonly CloudLogRestClient _rest = null!;

    /// <summary>For mocking.</summary>
    protected CloudLogAdminClient()
    {
    }

    /// <summary>An admin client without credentials, for the standalone server on this machine.</summary>
    /// <param name="endpoint">The service, e.g. <c>http://127.0.0.1:7071</c>.</param>
    /// <param name="options">Retries and diagnostics; null for the defaults.</param>
    public CloudLogAdminClient(Uri endpoint, CloudLogAdminClientOptions? options = null)
        : this(endpoint, (object?)null, options)
    {
    }

    /// <summary>An admin client that authenticates with Entra ID.</summary>
    /// <param name="endpoint">The service.</param>
    /// <param name="credential">The credential.</param>
    /// <param name="options">Retries and diagnostics; set <see cref="CloudLogClientOptions.Audience"/> to the app's.</param>
    public CloudLogAdminClient(Uri endpoint, TokenCredential credential, CloudLogAdminClientOptions? options = null)
        : this(endpoint, (object)credential ?? throw new ArgumentNullException(nameof(credential)), options)
    {
    }

    /// <summary>An admin client that authenticates with a function key or an API key.</summary>
    /// <param name="endpoint">The service.</param>
    /// <param name="credential">The key.</param>
    /// <param name="options">Retries and diagnostics; null for the defaults.</param>
    public CloudLogAdminClient(Uri endpoint, AzureKeyCredential credential, CloudLogAdminClientOptions? options = null)
        : this(endpoint, (object)credential ?? throw new ArgumentNullException(nameof(credential)), options)
    {
    }

    private CloudLogAdminClient(Uri endpoint, object? credential, CloudLogAdminClientOptions? options) =>
        _rest = new CloudLogRestClient(new CloudLogPipeline(endpoint, credential, options ?? new CloudLogAdminClientOptions()));

    /// <summary>The service this client manages.</summary>
    public virtual Uri Endpoint => _rest.Endpoint;

    /// <summary>Creates a topic. TOPIC_ALREADY_EXISTS when the name is taken.</summary>
    /// <param name="name">1 to 249 characters of a-z A-Z 0-9 . _ -.</param>
    /// <param name="partitions">How many partitions (1 to 10,000).</param>
    /// <param name="replicationFactor">Copies per partition; null for the service's default.</param>
    /// <param name="configs">Config overrides by Kafka's names (<c>retention.ms</c>, <c>cleanup.policy</c>, …).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<Response<TopicDescription>> CreateTopicAsync(string name, int partitions = 1, int? replicationFactor = null, IReadOnlyDictionary<string, string>? configs = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (topic, response) = await _rest.CreateTopicAsync(name, partitions, replicationFactor, configs, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(topic, response);
    }

    /// <summary>Every topic the caller may see, by name.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public virtual AsyncPageable<TopicListing> GetTopicsAsync(CancellationToken cancellationToken = default) =>
        new SinglePageable<TopicListing>(_rest.ListTopicsAsync, cancellationToken);

    /// <summary>A topic's id, effective configs and partitions (leaders, replicas, offsets).</summary>
    /// <param name="name">The topic.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<Response<TopicDescription>> GetTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (topic, response) = await _rest.DescribeTopicAsync(name, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(topic, response);
    }

    /// <summary>Sets config overrides; a null value returns that config to its default.</summary>
    /// <param name="name">The topic.</param>
    /// <param name="changes">Configs by name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<Response<TopicDescription>> AlterTopicConfigsAsync(string name, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(changes);
        var (topic, response) = await _rest.AlterConfigsAsync(name, changes, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(topic, response);
    }

    /// <summary>Raises a topic's partition count to <paramref name="totalCount"/> (Kafka's CreatePartitions): keyed records of the new count may map elsewhere.</summary>
    /// <param name="name">The topic.</param>
    /// <param name="totalCount">The new count, above the current one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<Response<TopicDescription>> CreatePartitionsAsync(string name, int totalCount, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (topic, response) = await _rest.AddPartitionsAsync(name, totalCount, cancellationToken).ConfigureAwait(false);
        return Response.FromValue(topic, response);
    }

    /// <summary>Deletes a topic and, later, its records.</summary>
    /// <param name="name">The topic.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual Task<Response> DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _rest.DeleteTopicAsync(name, cancellationToken);
    }

    /// <summary>Every consumer group, by name.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public virtual AsyncPageable<ConsumerGroupListing> GetConsumerGroupsAsync(CancellationToken cancellationToken = default) =>
        new SinglePageable<ConsumerGroupListing>(_rest.ListGroupsAsync, cancellationToken);

    /// <summary>A group's committed offsets, each with its lag; GROUP_ID_NOT_FOUND for a group never seen.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="topic">One topic's offsets only, or null for all.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public virtual AsyncPageable<CommittedOffset> GetConsumerGroupOffsetsAsync(string groupId, string? topic = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return new SinglePageable<CommittedOffset>(ct => _rest.GetGroupOffsetsAsync(groupId, topic, ct), cancellationToken);
    }

    /// <summary>
    /// A group's state and live members: what each subscribes to, owns and is to own (Kafka's DescribeGroups);
    /// GROUP_ID_NOT_FOUND for a group never seen. Its offsets are <see cref="GetConsumerGroupOffsetsAsync"/>'s.
    /// </summary>
    /// <param name="groupId">The group.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual Task<Response<ConsumerGroupDescription>> GetConsumerGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _rest.DescribeGroupAsync(groupId, cancellationToken);
    }

    /// <summary>Deletes a group and its offsets; NON_EMPTY_GROUP while members are live.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual Task<Response> DeleteConsumerGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _rest.DeleteGroupAsync(groupId, cancellationToken);
    }
}

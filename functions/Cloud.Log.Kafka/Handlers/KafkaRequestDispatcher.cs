using Cloud.Log.Core;
using Cloud.Log.Kafka.Groups;
using Cloud.Log.Kafka.Hosting;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Kafka.Sasl;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>
/// Answers one Kafka request frame: reads the header, hands the body to the handler of its API key and
/// version, and writes the response frame (length, response header, body). Every handler works through
/// <see cref="CloudLogEngine"/>'s public surface only, as the REST API does. A request that is not Kafka's
/// encoding, an unknown key, or a version above what ApiVersions advertised throws
/// <see cref="KafkaProtocolException"/>: the connection is closed, as a Kafka broker does.
/// </summary>
public sealed partial class KafkaRequestDispatcher
{
    private readonly CloudLogEngine _engine;
    private readonly KafkaListenerOptions _options;
    private readonly KafkaListenerEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly ClassicGroupCoordinator _groups;

    /// <summary>A dispatcher over an engine.</summary>
    public KafkaRequestDispatcher(CloudLogEngine engine, IOptions<KafkaListenerOptions> options, KafkaListenerEndpoint endpoint, ClassicGroupCoordinator groups, ILogger<KafkaRequestDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _engine = engine;
        _options = options.Value;
        _endpoint = endpoint;
        _logger = logger;
        _groups = groups;
    }

    /// <summary>
    /// The response frame for one request frame (its bytes after the length prefix), or null when the
    /// request takes no answer (Produce with acks=0).
    /// </summary>
    /// <param name="frame">The request frame.</param>
    /// <param name="clientHost">The client's address, as DescribeGroups reports it.</param>
    /// <param name="cancellationToken">Cancelled when the connection closes.</param>
    public Task<ReadOnlyMemory<byte>?> HandleAsync(ReadOnlyMemory<byte> frame, string? clientHost, CancellationToken cancellationToken = default) =>
        HandleAsync(frame, clientHost, session: null, cancellationToken);

    /// <summary>
    /// The response frame for one request frame on a connection with a <see cref="KafkaSession"/>: SASL is
    /// answered by the session, which admits requests (<see cref="KafkaSession.Admit"/>), and every request is
    /// checked against the session's caller's rights before its handler runs.
    /// </summary>
    /// <param name="frame">The request frame.</param>
    /// <param name="clientHost">The client's address, as DescribeGroups reports it.</param>
    /// <param name="session">The connection's authentication; null serves every request with every right.</param>
    /// <param name="cancellationToken">Cancelled when the connection closes.</param>
    public Task<ReadOnlyMemory<byte>?> HandleAsync(ReadOnlyMemory<byte> frame, string? clientHost, KafkaSession? session, CancellationToken cancellationToken = default) =>
        HandleAsync(frame, clientHost, session, queued: null, cancellationToken);

    /// <summary>
    /// The response frame for one request frame, as <see cref="HandleAsync(ReadOnlyMemory{byte}, string?, KafkaSession?, CancellationToken)"/>
    /// answers it, telling the connection when a Produce request's place in its partitions' order is fixed: once
    /// <paramref name="queued"/> is called, every batch of the request is queued at its partition's writer (or
    /// refused), so the connection may start its next request while this one's appends are in flight. For any
    /// other key (and a Produce refused whole) it is not called: the request is done when its task is.
    /// </summary>
    /// <param name="frame">The request frame.</param>
    /// <param name="clientHost">The client's address, as DescribeGroups reports it.</param>
    /// <param name="session">The connection's authentication; null serves every request with every right.</param>
    /// <param name="queued">Called once a Produce request's batches are queued; null when the caller does not pipeline.</param>
    /// <param name="cancellationToken">Cancelled when the connection closes.</param>
    public async Task<ReadOnlyMemory<byte>?> HandleAsync(ReadOnlyMemory<byte> frame, string? clientHost, KafkaSession? session, Action? queued, CancellationToken cancellationToken = default)
    {
        var writer = new KafkaWriter();
        try
        {
            return await HandleAsync(frame, clientHost, session, writer, queued, cancellationToken).ConfigureAwait(false) ? writer.WrittenMemory : null;
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>
    /// Writes the response frame for one request frame into <paramref name="writer"/> (as
    /// <see cref="HandleAsync(ReadOnlyMemory{byte}, string?, KafkaSession?, CancellationToken)"/>); false when the
    /// request takes no answer. What the writer references is released by <see cref="KafkaWriter.Release"/>;
    /// <paramref name="queued"/> as for <see cref="HandleAsync(ReadOnlyMemory{byte}, string?, KafkaSession?, Action?, CancellationToken)"/>.
    /// </summary>
    internal async Task<bool> HandleAsync(ReadOnlyMemory<byte> frame, string? clientHost, KafkaSession? session, KafkaWriter writer, Action? queued, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(reader);
        if (!ApiVersionTable.TryGet(header.ApiKey, out var range))
        {
            throw new KafkaProtocolException($"API key {header.ApiKey} is not served.");
        }

        var version = header.ApiVersion;
        if (range.Key != ApiKey.ApiVersions && (version < 0 || version > range.Max))
        {
            throw new KafkaProtocolException($"{range.Key} v{version} is above the v{range.Max} advertised.");
        }

        session?.Admit(range.Key);

        writer.WriteInt32(0); // the frame length, written last
        writer.WriteInt32(header.CorrelationId);
        if (range.Key != ApiKey.ApiVersions && range.IsFlexible(version))
        {
            writer.WriteUnsignedVarint(0); // response header v1: no tagged fields
        }

        var answered = RefuseUnauthorized(range.Key, version, frame[reader.Position..], writer, session?.Caller) || range.Key switch
        {
            ApiKey.ApiVersions => ApiVersions(reader, version, writer),
            ApiKey.SaslHandshake => (session ?? throw NoSession(range.Key)).Handshake(reader, version, writer),
            ApiKey.SaslAuthenticate => await (session ?? throw NoSession(range.Key)).AuthenticateAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.Metadata => await MetadataAsync(reader, version, writer, session?.Caller, cancellationToken).ConfigureAwait(false),
            ApiKey.Produce => await ProduceAsync(reader, version, writer, queued, cancellationToken).ConfigureAwait(false),
            ApiKey.Fetch => await FetchAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.ListOffsets => await ListOffsetsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.InitProducerId => InitProducerId(reader, version, writer),
            ApiKey.FindCoordinator => FindCoordinator(reader, version, writer),
            ApiKey.JoinGroup => await JoinGroupAsync(reader, version, writer, header, clientHost, cancellationToken).ConfigureAwait(false),
            ApiKey.SyncGroup => await SyncGroupAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.Heartbeat => await HeartbeatAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.LeaveGroup => await LeaveGroupAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.OffsetCommit => await OffsetCommitAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.OffsetFetch => await OffsetFetchAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.CreateTopics => await CreateTopicsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.DeleteTopics => await DeleteTopicsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.CreatePartitions => await CreatePartitionsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.DescribeConfigs => await DescribeConfigsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.ListGroups => await ListGroupsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.DescribeGroups => await DescribeGroupsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.DeleteGroups => await DeleteGroupsAsync(reader, version, writer, cancellationToken).ConfigureAwait(false),
            ApiKey.DescribeCluster => DescribeCluster(reader, version, writer),
            _ => throw new KafkaProtocolException($"API key {header.ApiKey} has no handler."),
        };
        if (!answered)
        {
            return false;
        }

        writer.PatchInt32(0, writer.Length - 4);
        return true;
    }

    /// <summary>ApiVersions: every key with minimum 0; a version above ours gets UNSUPPORTED_VERSION in v0's layout.</summary>
    private static bool ApiVersions(KafkaReader reader, short version, KafkaWriter writer)
    {
        var max = ApiVersionTable.All.First(r => r.Key == ApiKey.ApiVersions).Max;
        if (version < 0 || version > max)
        {
            ApiVersionsMessages.WriteResponse(writer, 0, KafkaError.UnsupportedVersion, ApiVersionTable.All);
            return true;
        }

        ApiVersionsMessages.ReadRequest(reader, version);
        ApiVersionsMessages.WriteResponse(writer, version, KafkaError.None, ApiVersionTable.All);
        return true;
    }

    private static KafkaProtocolException NoSession(ApiKey key) => new($"{key} needs a connection's session.");

    private void LogFailure(Exception exception, string what)
    {
        if (exception is not CloudLogException)
        {
            _logger.LogWarning(exception, "Kafka {What} failed.", what);
        }
    }
}

using System.CommandLine;
using Azure;
using Cloud.Log.Client;

namespace Cloud.Log.Cli.Connection;

/// <summary>
/// The endpoint and API key a command uses, each from the first place that has it: the option
/// (<c>--endpoint</c>, <c>--api-key</c>), the environment (<c>CLOUDLOG_ENDPOINT</c>, <c>CLOUDLOG_API_KEY</c>),
/// the profile (<c>--profile</c>, <c>CLOUDLOG_PROFILE</c>, else <c>default</c>); the endpoint defaults to the
/// local server, <c>http://127.0.0.1:7071</c>.
/// </summary>
internal sealed record ConnectionSettings(Uri Endpoint, string? ApiKey, string EndpointSource, string ApiKeySource, string ProfileName)
{
    /// <summary>The local server's address, what <c>./run.sh</c> serves.</summary>
    public const string DefaultEndpoint = "http://127.0.0.1:7071";

    /// <summary>The profile used when none is named.</summary>
    public const string DefaultProfile = "default";

    /// <summary>Resolves the settings of a parsed command line.</summary>
    public static ConnectionSettings Resolve(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var named = parse.GetValue(GlobalOptions.Profile) ?? NonEmpty(Environment.GetEnvironmentVariable("CLOUDLOG_PROFILE"));
        var profileName = named ?? DefaultProfile;
        var profiles = ProfileStore.Load();
        profiles.Profiles.TryGetValue(profileName, out var profile);
        if (named is not null && profile is null)
        {
            throw new CliUsageException($"No profile named '{profileName}' in {ProfileStore.FilePath}; save one with 'cloudlog profile set --profile {profileName} --endpoint URL'.");
        }

        var (endpoint, endpointSource) = First(
            (parse.GetValue(GlobalOptions.Endpoint), "--endpoint"),
            (NonEmpty(Environment.GetEnvironmentVariable("CLOUDLOG_ENDPOINT")), "CLOUDLOG_ENDPOINT"),
            (NonEmpty(profile?.Endpoint), $"profile '{profileName}'"),
            (DefaultEndpoint, "default"));
        var (apiKey, apiKeySource) = First(
            (parse.GetValue(GlobalOptions.ApiKey), "--api-key"),
            (NonEmpty(Environment.GetEnvironmentVariable("CLOUDLOG_API_KEY")), "CLOUDLOG_API_KEY"),
            (NonEmpty(profile?.ApiKey), $"profile '{profileName}'"),
            (null, "none"));
        return new ConnectionSettings(ParseEndpoint(endpoint!, endpointSource), apiKey, endpointSource, apiKeySource, profileName);
    }

    /// <summary>
    /// An endpoint as the clients take it: an absolute http(s) address; a trailing <c>/api</c> (the REST
    /// root, as curl examples write it) is dropped.
    /// </summary>
    public static Uri ParseEndpoint(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliUsageException($"The endpoint '{text}' (from {source}) is not an http or https address, e.g. {DefaultEndpoint}.");
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/api", StringComparison.OrdinalIgnoreCase))
        {
            path = path[..^4];
        }

        return new UriBuilder(uri) { Path = path.Length == 0 ? "/" : path + "/" }.Uri;
    }

    /// <summary>An admin client for these settings.</summary>
    public CloudLogAdminClient Admin() => ApiKey is null ? new CloudLogAdminClient(Endpoint) : new CloudLogAdminClient(Endpoint, new AzureKeyCredential(ApiKey));

    /// <summary>A producer for these settings.</summary>
    public CloudLogProducerClient Producer(CloudLogProducerClientOptions options) =>
        ApiKey is null ? new CloudLogProducerClient(Endpoint, options) : new CloudLogProducerClient(Endpoint, new AzureKeyCredential(ApiKey), options);

    /// <summary>A consumer for these settings.</summary>
    public CloudLogConsumerClient Consumer(CloudLogConsumerClientOptions options) =>
        ApiKey is null ? new CloudLogConsumerClient(Endpoint, options) : new CloudLogConsumerClient(Endpoint, new AzureKeyCredential(ApiKey), options);

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static (string? Value, string Source) First(params (string? Value, string Source)[] candidates) =>
        candidates.First(c => c.Value is not null || c.Source == "none");
}

using Azure.Core;

namespace Cloud.Log.Client;

/// <summary>
/// What every Cloud.Log client shares: the Azure SDK's transport, retry and diagnostics options, and the
/// audience of Entra ID tokens. Retries (<see cref="ClientOptions.Retry"/>) cover 408, 429, 500, 502, 503 and
/// 504 answers and network failures, exponential with jitter, honouring <c>Retry-After</c>; the Azure SDK's
/// defaults apply (3 retries from 0.8 s, at most 1 min apart; 100 s network timeout).
/// </summary>
public abstract class CloudLogClientOptions : ClientOptions
{
    /// <summary>
    /// The scope asked for when a client authenticates with a <see cref="TokenCredential"/>: the function app's
    /// Entra ID application (App Service Authentication), e.g. <c>api://&lt;client-id&gt;/.default</c>. Default:
    /// the endpoint's origin followed by <c>/.default</c>.
    /// </summary>
    public string? Audience { get; set; }
}

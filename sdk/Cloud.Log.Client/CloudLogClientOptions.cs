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

    /// <summary>
    /// A copy for a client to keep, taken when the client is built (as the Event Hubs clients do), so that
    /// changing these options afterwards changes nothing in that client. Every setting of ours is a value, so a
    /// field-by-field copy is a full one; the Azure SDK's settings (transport, retry, diagnostics) are read once,
    /// when the client's pipeline is built.
    /// </summary>
    internal T Copy<T>()
        where T : CloudLogClientOptions => (T)MemberwiseClone();
}

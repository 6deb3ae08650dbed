using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Cloud.Log.Client.Diagnostics;

namespace Cloud.Log.Client.Pipeline;

/// <summary>
/// The Azure SDK pipeline every client sends through: credentials, retries, logging and tracing from
/// <see cref="ClientOptions"/>; failures become <see cref="CloudLogException"/>.
/// </summary>
internal sealed class CloudLogPipeline
{
    /// <summary>The header that carries a key: the function app's, which the standalone server also takes.</summary>
    public const string KeyHeader = "x-functions-key";

    private readonly HttpPipeline _pipeline;

    public CloudLogPipeline(Uri endpoint, object? credential, CloudLogClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("The endpoint is the service's absolute http(s) address, e.g. https://myapp.azurewebsites.net.", nameof(endpoint));
        }

        Endpoint = endpoint;
        var perRetry = new List<HttpPipelinePolicy> { new RetryCountingPolicy() };
        switch (credential)
        {
            case null:
                break;
            case AzureKeyCredential key:
                perRetry.Add(new KeyCredentialPolicy(key, KeyHeader));
                break;
            case TokenCredential token:
                perRetry.Add(new BearerTokenAuthenticationPolicy(token, options.Audience ?? endpoint.GetLeftPart(UriPartial.Authority) + "/.default"));
                break;
            default:
                throw new ArgumentException("A credential is a TokenCredential or an AzureKeyCredential.", nameof(credential));
        }

        _pipeline = HttpPipelineBuilder.Build(options, [], perRetry.ToArray(), new ResponseClassifier());
    }

    public Uri Endpoint { get; }

    /// <summary>A request to <c>/api/{segments…}</c>, each segment escaped.</summary>
    public HttpMessage CreateMessage(RequestMethod method, params string[] segments)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(Endpoint);
        message.Request.Uri.AppendPath("/api", escape: false);
        foreach (var segment in segments)
        {
            message.Request.Uri.AppendPath("/", escape: false);
            message.Request.Uri.AppendPath(segment, escape: true);
        }

        return message;
    }

    /// <summary>Sends; answers the response when it succeeded, else throws <see cref="CloudLogException"/>.</summary>
    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RequestFailedException or AggregateException or OperationCanceledException or IOException)
        {
            throw new CloudLogException(CloudLogErrorCode.ServiceUnreachable, $"{message.Request.Method} {message.Request.Uri.Path} got no answer from {Endpoint.Host}: {e.Message}", e);
        }

        if (!message.Response.IsError)
        {
            return message.Response;
        }

        if (!message.BufferResponse && message.Response.ContentStream is { } unread)
        {
            // The problem body of an answer read as a stream: buffer it, so the exception can read it.
            var buffered = new MemoryStream();
            await unread.CopyToAsync(buffered, cancellationToken).ConfigureAwait(false);
            await unread.DisposeAsync().ConfigureAwait(false);
            buffered.Position = 0;
            message.Response.ContentStream = buffered;
        }

        throw new CloudLogException(message.Response);
    }

    /// <summary>Counts the attempts after the first, for the client's meter.</summary>
    private sealed class RetryCountingPolicy : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.TryGetProperty(typeof(RetryCountingPolicy), out _))
            {
                ClientDiagnostics.Retries.Add(1);
            }
            else
            {
                message.SetProperty(typeof(RetryCountingPolicy), true);
            }
        }
    }

    /// <summary>Adds the key to every attempt, read at the time of sending so a rotated key takes effect.</summary>
    private sealed class KeyCredentialPolicy(AzureKeyCredential credential, string header) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue(header, credential.Key);
    }
}

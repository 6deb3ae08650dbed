using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cloud.Log.Api.Auth;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Naming;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Http;

/// <summary>
/// Every endpoint of the contract, written once over the engine; the standalone server and the function
/// app call these methods and add nothing. Each answers an <see cref="IResult"/>: the contract's JSON, or
/// a problem. Input is checked in the contract's order: credentials (401), names and fields (400), the
/// caller's topic rights (403), then storage. Topics, records, groups and the service endpoints are in
/// their own partial files.
/// </summary>
public sealed partial class CloudLogHttpApi
{
    private readonly CloudLogEngine _engine;
    private readonly IRequestAuthorizer _authorizer;
    private readonly CloudLogApiOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the API over <paramref name="engine"/>.</summary>
    public CloudLogHttpApi(CloudLogEngine engine, IRequestAuthorizer authorizer, CloudLogApiOptions options, ILogger<CloudLogHttpApi> logger)
    {
        _engine = engine;
        _authorizer = authorizer;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Runs one endpoint: checks the headers' size and the caller, then the handler; turns every failure
    /// into a problem. A failure that is not the caller's (a bug) is a logged 500, never a silent one. The
    /// access the caller needs is the route table's (<see cref="ApiRoutes"/>), found by the calling handler's
    /// name, so that the table is what every host enforces.
    /// </summary>
    private async Task<IResult> HandleAsync(HttpRequest request, Func<ApiCaller, CancellationToken, Task<IResult>> handler, [CallerMemberName] string handlerName = "")
    {
        try
        {
            CheckHeaderSize(request);
            var (caller, problem) = await _authorizer.AuthorizeAsync(request, ApiRoutes.ForHandler(handlerName).Access, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return problem ?? await handler(caller!, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (CloudLogException e)
        {
            if (e.Code.ToHttpStatus() >= 500)
            {
                Log.StorageFailed(_logger, request.Method, request.Path, e.Code.ToWireName(), e);
            }

            return ApiProblem.For(e);
        }
        catch (BadHttpRequestException e)
        {
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ApiProblem.For(ErrorCode.RequestTooLarge, e.Message)
                : ApiProblem.For(ErrorCode.InvalidRequest, e.Message);
        }
        catch (OperationCanceledException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the caller went away: nobody reads an answer
        }
        catch (Exception e)
        {
            var traceId = Activity.Current?.TraceId.ToString() ?? request.HttpContext.TraceIdentifier;
            Log.Unexpected(_logger, request.Method, request.Path, traceId, e);
            return ApiProblem.Internal(traceId);
        }
    }

    private void CheckHeaderSize(HttpRequest request)
    {
        long size = 0;
        foreach (var (name, values) in request.Headers)
        {
            size += name.Length;
            foreach (var value in values)
            {
                size += value?.Length ?? 0;
            }
        }

        if (size > _options.MaxRequestHeaderBytes)
        {
            throw new CloudLogException(ErrorCode.RequestTooLarge, $"The request headers are over the limit of {_options.MaxRequestHeaderBytes} bytes.");
        }
    }

    /// <summary>Checks a topic name, then the caller's right to that topic.</summary>
    private static void CheckTopic(ApiCaller caller, string topic)
    {
        if (!ResourceNames.IsValid(topic))
        {
            throw new CloudLogException(ErrorCode.InvalidTopic, "Topic names are 1 to 249 characters of a-z A-Z 0-9 . _ - and not '.' or '..'.");
        }

        if (!caller.CanAccessTopic(topic))
        {
            throw new CloudLogException(ErrorCode.Forbidden, $"The key '{caller.Name}' may not use topic '{topic}'.");
        }
    }

    private static void CheckGroup(string group)
    {
        if (!ResourceNames.IsValid(group))
        {
            throw new CloudLogException(ErrorCode.InvalidGroup, "Group names are 1 to 249 characters of a-z A-Z 0-9 . _ - and not '.' or '..'.");
        }
    }

    private async Task<RequestBody> ReadBodyAsync(HttpRequest request) =>
        await RequestBody.ReadAsync(request, _options.MaxRequestBodyBytes).ConfigureAwait(false);

    private static JsonResponse Json(Action<Utf8JsonWriter> write) => JsonResponse.Ok(write);
}

using Cloud.Log.Api.Http;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// Decides who a request comes from and whether they may use an endpoint. The standalone server checks
/// API keys (<see cref="ApiKeyAuthorizer"/>); the function app trusts the Functions host's key check
/// (<see cref="HostKeyAuthorizer"/>).
/// </summary>
public interface IRequestAuthorizer
{
    /// <summary>The caller, or the 401/403 problem to answer instead.</summary>
    (ApiCaller? Caller, ApiProblem? Problem) Authorize(HttpRequest request, ApiAccess access);

    /// <summary>
    /// The caller, or the 401/403 problem to answer instead, for checks that may wait (a bearer token's
    /// signing keys fetched from its issuer). By default <see cref="Authorize"/>.
    /// </summary>
    ValueTask<(ApiCaller? Caller, ApiProblem? Problem)> AuthorizeAsync(HttpRequest request, ApiAccess access, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Authorize(request, access));
}

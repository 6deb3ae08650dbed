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
}

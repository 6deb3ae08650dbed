using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Cloud.Log.Api.Http;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// The function app's auth. The Functions host has already checked the function key (every HTTP function
/// is <c>AuthorizationLevel.Function</c>), so a key holder has every right. Where App Service
/// Authentication (Entra ID) is switched on, the platform passes the signed-in principal in
/// <c>X-MS-CLIENT-PRINCIPAL</c>; its app roles then limit the rights: <c>CloudLog.Admin</c>,
/// <c>CloudLog.Produce</c>, <c>CloudLog.Consume</c>.
/// </summary>
public sealed class HostKeyAuthorizer : IRequestAuthorizer
{
    /// <summary>The header in which App Service Authentication passes the principal.</summary>
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <inheritdoc />
    public (ApiCaller? Caller, ApiProblem? Problem) Authorize(HttpRequest request, ApiAccess access)
    {
        ArgumentNullException.ThrowIfNull(request);
        var principal = request.Headers[PrincipalHeader].ToString();
        if (principal.Length == 0 || access == ApiAccess.Anonymous)
        {
            return (ApiCaller.Unrestricted("function-key"), null);
        }

        var roles = ReadRoles(principal);
        if (roles is null)
        {
            return (null, ApiProblem.For(ErrorCode.Unauthorized, $"The {PrincipalHeader} header cannot be read."));
        }

        var caller = new ApiCaller("entra", AppRoles.Rights(roles), []);
        return caller.Has(access)
            ? (caller, null)
            : (null, ApiProblem.For(ErrorCode.Forbidden, $"The signed-in principal has no app role for {access.ToString().ToUpperInvariant()}."));
    }

    /// <summary>The <c>roles</c> claims of the base64 JSON principal, or null when it is not one.</summary>
    internal static List<string>? ReadRoles(string header)
    {
        try
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(header)));
            var roleType = document.RootElement.TryGetProperty("role_typ", out var rt) ? rt.GetString() : ClaimTypes.Role;
            return document.RootElement.GetProperty("claims").EnumerateArray()
                .Where(c => c.GetProperty("typ").GetString() is { } t && (t == roleType || t == "roles"))
                .Select(c => c.GetProperty("val").GetString() ?? "")
                .ToList();
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}

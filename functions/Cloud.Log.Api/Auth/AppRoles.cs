using Cloud.Log.Api.Http;

namespace Cloud.Log.Api.Auth;

/// <summary>
/// The app roles that give rights, the same on the function app (Entra ID through App Service
/// Authentication) and on the server (bearer tokens): <c>CloudLog.Admin</c>, <c>CloudLog.Produce</c>,
/// <c>CloudLog.Consume</c>. Any other role gives nothing beyond describing.
/// </summary>
public static class AppRoles
{
    /// <summary>The role that gives every right.</summary>
    public const string Admin = "CloudLog.Admin";

    /// <summary>The role that gives the right to produce.</summary>
    public const string Produce = "CloudLog.Produce";

    /// <summary>The role that gives the right to consume.</summary>
    public const string Consume = "CloudLog.Consume";

    /// <summary>The rights of a principal holding <paramref name="roles"/>: describing, and what each known role adds.</summary>
    public static HashSet<ApiAccess> Rights(IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var rights = new HashSet<ApiAccess> { ApiAccess.Describe };
        foreach (var role in roles)
        {
            switch (role)
            {
                case Admin: rights.Add(ApiAccess.Admin); break;
                case Produce: rights.Add(ApiAccess.Produce); break;
                case Consume: rights.Add(ApiAccess.Consume); break;
            }
        }

        return rights;
    }
}

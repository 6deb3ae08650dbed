namespace Cloud.Log.Api.Auth;

/// <summary>What checking a bearer token found: the caller and when the token expires, or why it was refused.</summary>
/// <param name="Caller">The caller, with the rights of its app roles; null when the token was refused.</param>
/// <param name="Expires">When the token expires; a session it opened ends then.</param>
/// <param name="Error">Why the token was refused (no secret in it), or null.</param>
public sealed record BearerValidation(ApiCaller? Caller, DateTimeOffset Expires, string? Error)
{
    /// <summary>A refusal.</summary>
    public static BearerValidation Refused(string error) => new(null, DateTimeOffset.MinValue, error);
}

namespace Cloud.Log.Cli.Connection;

/// <summary>The profiles file's content: profiles by name.</summary>
internal sealed class ProfileFile
{
    /// <summary>The profiles, by name (<c>default</c> unless <c>--profile</c> or <c>CLOUDLOG_PROFILE</c> names another).</summary>
    public Dictionary<string, Profile> Profiles { get; set; } = new(StringComparer.Ordinal);
}

namespace Cloud.Log.Cli.Connection;

/// <summary>A saved endpoint and API key, under a name (<c>cloudlog profile set</c>).</summary>
internal sealed class Profile
{
    /// <summary>The service's base address, e.g. <c>http://127.0.0.1:7071</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The API key (a server API key or a function key).</summary>
    public string? ApiKey { get; set; }
}

namespace Cloud.Log.Soak;

/// <summary>What the workers share: the servers, the history they write to, and the HTTP clients' settings.</summary>
internal sealed class Cluster(IReadOnlyList<ServerInstance> servers, History history)
{
    public IReadOnlyList<ServerInstance> Servers { get; } = servers;

    public History History { get; } = history;

    /// <summary>A server chosen at random: requests are spread over the instances.</summary>
    public ServerInstance Pick(Random random) => Servers[random.Next(Servers.Count)];

    /// <summary>An HTTP client whose requests give up after 15 s (a hung server or store is then a failed attempt).</summary>
    public static HttpClient NewHttpClient() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(15),
        };
}

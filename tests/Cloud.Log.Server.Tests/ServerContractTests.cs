using Cloud.Log.Api.Contract;
using Cloud.Log.Server.Testing;
using Cloud.Log.Testing;

namespace Cloud.Log.Server.Tests;

/// <summary>The contract suite against the standalone server, over loopback HTTP.</summary>
public sealed class ServerContractTests(ServerContractTests.Fixture fixture) : ContractSuite, IClassFixture<ServerContractTests.Fixture>
{
    protected override HttpClient Client => fixture.Host.Client;

    /// <summary>One server for the suite.</summary>
    public sealed class Fixture(StorageFixture storage) : IAsyncLifetime
    {
        public ServerHost Host { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Host = await ServerHost.StartAsync(storage);

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }
}

using Cloud.Log.Api.Contract;
using Cloud.Log.Testing;

namespace Cloud.Log.Functions.Tests;

/// <summary>The contract suite against the function classes, invoked directly (the Functions host cannot run here).</summary>
public sealed class FunctionsContractTests(FunctionsContractTests.Fixture fixture) : ContractSuite, IClassFixture<FunctionsContractTests.Fixture>
{
    protected override HttpClient Client => fixture.Client;

    /// <summary>The function app's services over the shared Azurite, with a prefix of their own.</summary>
    public sealed class Fixture(StorageFixture storage) : IDisposable
    {
        private readonly FunctionInvoker _invoker = new(FunctionSettings.For(storage, StorageFixture.NewPrefix()));

        public HttpClient Client => new(_invoker, disposeHandler: false) { BaseAddress = new Uri("http://localhost") };

        public void Dispose() => _invoker.Dispose();
    }
}

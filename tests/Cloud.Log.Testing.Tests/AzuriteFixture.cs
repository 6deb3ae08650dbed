namespace Cloud.Log.Testing.Tests;

/// <summary>One Azurite for the fault proxy's tests, each of which puts its own proxy in front of it.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteProcess Azurite { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Azurite = await AzuriteProcess.StartAsync();

    public ValueTask DisposeAsync() => Azurite.DisposeAsync();
}

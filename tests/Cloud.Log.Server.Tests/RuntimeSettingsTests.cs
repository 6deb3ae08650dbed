using System.Text.Json;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// The server's garbage collector and JIT settings are the ones docs/memory.md measured and chose: they are read
/// from the <c>runtimeconfig.json</c> the build writes next to the server, which is what the runtime reads when
/// <c>run.sh</c>, the benchmark or the container start it.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_server_starts_with_the_measured_garbage_collector_and_jit_settings()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Cloud.Log.Server.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} was not built next to the server.");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        Assert.Equal(7, properties.GetProperty("System.GC.ConserveMemory").GetInt32());
        Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }
}

using Cloud.Log.Functions;
using Cloud.Log.Testing;

namespace Cloud.Log.Functions.Tests;

/// <summary>The app settings the function app would have in Azure, pointed at the test's Azurite.</summary>
internal static class FunctionSettings
{
    public static Dictionary<string, string?> For(StorageFixture storage, string prefix) => new()
    {
        ["CloudLog:Locations:0:Name"] = "azurite",
        ["CloudLog:Locations:0:ConnectionString"] = storage.ConnectionString,
        ["CloudLog:Engine:ResourcePrefix"] = prefix,
        [FunctionsStartup.QueueNameSetting] = prefix + "-produce",
        [FunctionsStartup.QueueConnection] = storage.ConnectionString,
    };
}

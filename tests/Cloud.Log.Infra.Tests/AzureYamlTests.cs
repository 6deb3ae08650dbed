namespace Cloud.Log.Infra.Tests;

/// <summary>
/// azure.yaml is valid by azd's own schema and names the function app and infra/. The schema is azd's
/// published <c>schemas/v1.0/azure.yaml.json</c> (its <c>$id</c> names the source), kept in the repository
/// beside this test so that a clone alone runs it, with no network.
/// </summary>
public class AzureYamlTests
{
    /// <summary>azure.yaml validates against the schema; a broken copy does not (so the validation is real).</summary>
    [Fact(Timeout = 60_000)]
    public async Task Azure_yaml_is_valid_by_the_azd_schema()
    {
        var schema = Path.Combine(Repository.Root, "tests", "Cloud.Log.Infra.Tests", "schemas", "azure.yaml.json");
        Assert.True(File.Exists(schema), $"the azd schema is expected at {schema}");
        var script = Path.Combine(Repository.Root, "tests", "Cloud.Log.Infra.Tests", "validate-azure-yaml.mjs");

        var valid = await Repository.RunAsync("node", script, schema, Path.Combine(Repository.Root, "azure.yaml"));
        Assert.True(valid.ExitCode == 0, valid.Output + valid.Error);

        var broken = Path.Combine(Path.GetTempPath(), "azure-" + Guid.NewGuid().ToString("N") + ".yaml");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(Path.Combine(Repository.Root, "azure.yaml"))).Replace("name: cloud-log", "name: Cloud_Log", StringComparison.Ordinal));
        try
        {
            var invalid = await Repository.RunAsync("node", script, schema, broken);
            Assert.Equal(1, invalid.ExitCode);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    /// <summary>The one service is the function app, deployed as a dotnet function, with infra/ as its Bicep.</summary>
    [Fact]
    public void Azure_yaml_names_the_function_app_and_infra()
    {
        var yaml = File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml"));
        Assert.Contains("project: ./functions/Cloud.Log.Functions", yaml, StringComparison.Ordinal);
        Assert.Contains("language: dotnet", yaml, StringComparison.Ordinal);
        Assert.Contains("host: function", yaml, StringComparison.Ordinal);
        Assert.Contains("path: infra", yaml, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(Repository.Root, "functions", "Cloud.Log.Functions")));
        Assert.True(File.Exists(Path.Combine(Repository.Root, "infra", "main.bicep")));
    }
}

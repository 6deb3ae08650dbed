using System.Text.Json;

namespace Cloud.Log.Infra.Tests;

/// <summary>
/// infra/ builds and lints with the Bicep CLI from NuGet, offline, with no error and no warning; the
/// compiled ARM template keeps storage identity-only, least-privilege and on the right runtime.
/// </summary>
public class BicepTests
{
    private static readonly Lazy<Task<JsonElement>> Template = new(async () =>
    {
        var output = Path.Combine(Path.GetTempPath(), "cloudlog-main-" + Guid.NewGuid().ToString("N") + ".json");
        var (exit, stdout, stderr) = await Repository.RunAsync(Repository.BicepPath, "build", "infra/main.bicep", "--outfile", output);
        Assert.True(exit == 0, stdout + stderr);
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(output)).RootElement.Clone();
        File.Delete(output);
        return json;
    });

    private static async Task<JsonElement> ModuleAsync(string name) =>
        Of(await Template.Value, "Microsoft.Resources/deployments")
            .Single(r => r.GetProperty("name").GetString()!.Contains(name, StringComparison.Ordinal));

    private static IEnumerable<JsonElement> Resources(JsonElement module, string type) =>
        Of(module.GetProperty("properties").GetProperty("template"), type);

    /// <summary>A template's resources of one type, whether the template lists them as an array or (symbolic names) an object.</summary>
    private static IEnumerable<JsonElement> Of(JsonElement template, string type)
    {
        var resources = template.GetProperty("resources");
        var all = resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(r => r.Value) : resources.EnumerateArray();
        return all.Where(r => r.GetProperty("type").GetString() == type);
    }

    /// <summary>bicep build and bicep lint report no error and no warning.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Infra_builds_and_lints_without_a_warning()
    {
        var build = await Repository.RunAsync(Repository.BicepPath, "build", "infra/main.bicep", "--stdout");
        Assert.True(build.ExitCode == 0, build.Error);
        Assert.DoesNotContain("Warning", build.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Error", build.Error, StringComparison.OrdinalIgnoreCase);
        var lint = await Repository.RunAsync(Repository.BicepPath, "lint", "infra/main.bicep");
        Assert.True(lint.ExitCode == 0, lint.Output + lint.Error);
        Assert.Equal("", (lint.Output + lint.Error).Trim());
    }

    /// <summary>Every storage account refuses shared keys and public blobs, and takes TLS 1.2 over HTTPS only.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Storage_accounts_are_identity_only()
    {
        var storage = await ModuleAsync("host-storage");
        var account = Resources(storage, "Microsoft.Storage/storageAccounts").Single().GetProperty("properties");
        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.True(account.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());
        Assert.True(account.GetProperty("defaultToOAuthAuthentication").GetBoolean());
    }

    /// <summary>
    /// Least privilege per account: the host account gets Blob Data Owner, Queue Data Contributor and Table
    /// Data Contributor (it holds the metadata tables), each replica account Blob Data Contributor only; each
    /// assignment is named guid(scope, principal, role), as azd's templates do.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Each_account_gets_only_the_roles_it_needs()
    {
        var host = await ModuleAsync("host-storage");
        Assert.Equal(["blobOwner", "queueContributor", "tableContributor"], host.GetProperty("properties").GetProperty("parameters").GetProperty("roles").GetProperty("value").EnumerateArray().Select(r => r.GetString()));
        var replicas = await ModuleAsync("replica-storage");
        Assert.Equal("replicaStorage", replicas.GetProperty("copy").GetProperty("name").GetString());
        Assert.Equal(["blobContributor"], replicas.GetProperty("properties").GetProperty("parameters").GetProperty("roles").GetProperty("value").EnumerateArray().Select(r => r.GetString()));

        var storage = await ModuleAsync("host-storage");
        var roleIds = storage.GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("roleIds");
        Assert.Equal("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", roleIds.GetProperty("blobOwner").GetString());
        Assert.Equal("ba92f5b4-2d11-453d-a403-e96b0029c9fe", roleIds.GetProperty("blobContributor").GetString());
        Assert.Equal("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", roleIds.GetProperty("tableContributor").GetString());
        Assert.Equal("974c5e8b-45b9-4653-ba55-5f855dd0fb88", roleIds.GetProperty("queueContributor").GetString());
        var assignments = Resources(storage, "Microsoft.Authorization/roleAssignments").ToList();
        Assert.Equal(2, assignments.Count); // the app's, and the deploying user's where there is one
        Assert.All(assignments, a => Assert.StartsWith("[guid(resourceId('Microsoft.Storage/storageAccounts', parameters('name'))", a.GetProperty("name").GetString(), StringComparison.Ordinal));
    }

    /// <summary>
    /// The function app: Flex Consumption FC1, dotnet-isolated 10.0, a user-assigned identity for the
    /// deployment package and every storage connection, none of the settings Flex Consumption refuses,
    /// no secret in any setting, and Application Insights with local auth off reached with the identity.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Function_app_is_flex_consumption_dotnet_10_with_identity_connections()
    {
        var api = await ModuleAsync("api");
        var plan = Resources(api, "Microsoft.Web/serverfarms").Single();
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        var site = Resources(api, "Microsoft.Web/sites").Single();
        Assert.Equal("UserAssigned", site.GetProperty("identity").GetProperty("type").GetString());
        var config = site.GetProperty("properties").GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("UserAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        Assert.True(site.GetProperty("properties").GetProperty("httpsOnly").GetBoolean());
        Assert.Contains("'azd-service-name', 'api'", site.GetProperty("tags").GetString(), StringComparison.Ordinal);

        var variables = api.GetProperty("properties").GetProperty("template").GetProperty("variables");
        var settings = variables.GetProperty("appSettings").GetString()! + variables.GetProperty("locationSettings").GetString();
        foreach (var refused in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "AzureWebJobsStorage'", "WEBSITE_NODE_DEFAULT_VERSION" })
        {
            Assert.DoesNotContain(refused, settings, StringComparison.Ordinal);
        }

        foreach (var secret in new[] { "AccountKey", "SharedAccessSignature", "listKeys", "DefaultEndpointsProtocol" })
        {
            Assert.DoesNotContain(secret, (await Template.Value).ToString(), StringComparison.Ordinal);
        }

        foreach (var expected in new[] { "'AzureWebJobsStorage__credential', 'managedidentity'", "'CloudLogQueue__credential', 'managedidentity'", "'CloudLogQueue__queueServiceUri'", "'CLOUDLOG_PRODUCE_QUEUE'", "'AZURE_CLIENT_ID'", "Authorization=AAD", "CloudLog__Locations__", "__BlobServiceUri", "__TableServiceUri", "'CLOUDLOG_REPLICATION_SCHEDULE'", "'CLOUDLOG_RETENTION_SCHEDULE'", "'CLOUDLOG_COMPACTION_SCHEDULE'", "'CloudLog__Metadata__TableServiceUri'" })
        {
            Assert.Contains(expected, settings, StringComparison.Ordinal);
        }

        var monitoring = await ModuleAsync("monitoring");
        var insights = Resources(monitoring, "Microsoft.Insights/components").Single();
        Assert.True(insights.GetProperty("properties").GetProperty("DisableLocalAuth").GetBoolean());
        Assert.Single(Resources(monitoring, "Microsoft.Authorization/roleAssignments"));
    }

    /// <summary>
    /// The Kafka listener is off by default and, when on, is the standalone server in Container Apps: TCP
    /// ingress on the Kafka port (exposed and targeted alike), an environment in a network of its own (TCP
    /// ingress needs one), the function app's identity for storage and for pulling its image (AcrPull, no
    /// registry password), every storage location by URL as the function app has them, the listener bound to
    /// every interface and advertising the app's address, and at least one replica always running.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Kafka_listener_is_optional_and_keyless_with_tcp_ingress()
    {
        var template = await Template.Value;
        Assert.False(template.GetProperty("parameters").GetProperty("kafkaListener").GetProperty("defaultValue").GetBoolean());
        var kafka = await ModuleAsync("kafka");
        Assert.Equal("[parameters('kafkaListener')]", kafka.GetProperty("condition").GetString());

        var app = Resources(kafka, "Microsoft.App/containerApps").Single();
        Assert.Equal("UserAssigned", app.GetProperty("identity").GetProperty("type").GetString());
        var ingress = app.GetProperty("properties").GetProperty("configuration").GetProperty("ingress");
        Assert.Equal("tcp", ingress.GetProperty("transport").GetString());
        Assert.True(ingress.GetProperty("external").GetBoolean());
        Assert.Equal("[parameters('kafkaPort')]", ingress.GetProperty("targetPort").GetString());
        Assert.Equal("[parameters('kafkaPort')]", ingress.GetProperty("exposedPort").GetString());
        Assert.Contains("'identity', parameters('identityId')", app.GetProperty("properties").GetProperty("configuration").GetProperty("registries").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, app.GetProperty("properties").GetProperty("template").GetProperty("scale").GetProperty("minReplicas").GetInt32());

        var environment = Resources(kafka, "Microsoft.App/managedEnvironments").Single();
        Assert.Contains("Microsoft.Network/virtualNetworks", environment.GetProperty("properties").GetProperty("vnetConfiguration").GetProperty("infrastructureSubnetId").GetString(), StringComparison.Ordinal);
        var subnet = Resources(kafka, "Microsoft.Network/virtualNetworks").Single().GetProperty("properties").GetProperty("subnets")[0];
        Assert.Equal("Microsoft.App/environments", subnet.GetProperty("properties").GetProperty("delegations")[0].GetProperty("properties").GetProperty("serviceName").GetString());

        var registry = Resources(kafka, "Microsoft.ContainerRegistry/registries").Single();
        Assert.False(registry.GetProperty("properties").GetProperty("adminUserEnabled").GetBoolean());
        var pull = Resources(kafka, "Microsoft.Authorization/roleAssignments").Single();
        Assert.Contains("7f951dda-4ed3-4680-a7ca-43fe172d538d", pull.GetProperty("properties").GetProperty("roleDefinitionId").GetString(), StringComparison.Ordinal); // AcrPull

        var settings = app.GetProperty("properties").GetProperty("template").GetProperty("containers")[0].GetProperty("env").GetString()!
            + kafka.GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("locationSettings").GetString();
        foreach (var expected in new[] { "CloudLog__Locations__", "__BlobServiceUri", "__TableServiceUri", "'CloudLog__Metadata__TableServiceUri'", "'AZURE_CLIENT_ID'", "'CloudLog__Kafka__Enabled'", "'CloudLog__Kafka__Host', 'value', '0.0.0.0'", "'CloudLog__Kafka__AdvertisedHost'", "defaultDomain" })
        {
            Assert.Contains(expected, settings, StringComparison.Ordinal);
        }

        var outputs = template.GetProperty("outputs");
        Assert.True(outputs.TryGetProperty("CLOUDLOG_KAFKA_BOOTSTRAP_SERVERS", out _));
        Assert.True(outputs.TryGetProperty("CLOUDLOG_KAFKA_REGISTRY", out _));
    }

    /// <summary>The outputs azd and the SDK need: the API's URL, the produce queue's URL and the resource names.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Outputs_name_the_endpoint_the_queue_and_the_resources()
    {
        var outputs = (await Template.Value).GetProperty("outputs");
        foreach (var name in new[] { "CLOUDLOG_URL", "CLOUDLOG_PRODUCE_QUEUE_URL", "AZURE_FUNCTION_APP_NAME", "AZURE_RESOURCE_GROUP", "CLOUDLOG_HOST_STORAGE_ACCOUNT", "CLOUDLOG_REPLICA_STORAGE_ACCOUNTS", "APPLICATIONINSIGHTS_NAME" })
        {
            Assert.True(outputs.TryGetProperty(name, out _), name);
        }
    }
}

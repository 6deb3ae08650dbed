using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

namespace Cloud.Log.Functions.Tests;

/// <summary>The function app sends its telemetry through OpenTelemetry, to Application Insights when one is configured.</summary>
public class TelemetryTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["CloudLog:Locations:0:ConnectionString"] = "UseDevelopmentStorage=true";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        FunctionsStartup.ConfigureServices(services, configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// With an Application Insights connection string the Azure Monitor exporter is configured, signing in with
    /// the managed identity when local auth is off (APPLICATIONINSIGHTS_AUTHENTICATION_STRING); without one, no exporter.
    /// </summary>
    [Fact]
    public void Application_insights_turns_on_the_azure_monitor_exporter_with_the_identity()
    {
        using var withInsights = Build(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD",
        });
        Assert.NotNull(withInsights.GetService<TracerProvider>());
        Assert.NotEmpty(withInsights.GetServices<IConfigureOptions<AzureMonitorExporterOptions>>());
        Assert.NotNull(withInsights.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName).Credential);

        using var without = Build([]);
        Assert.Empty(without.GetServices<IConfigureOptions<AzureMonitorExporterOptions>>());
    }
}

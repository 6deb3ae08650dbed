using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Azure.Storage.Queues;
using Cloud.Log.Api.Auth;
using Cloud.Log.Api.Configuration;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace Cloud.Log.Functions;

/// <summary>
/// The function app's services: the shared Cloud.Log services with the host's key check as auth, the
/// produce queue from the <c>CloudLogQueue</c> connection (the one the queue trigger uses), and
/// OpenTelemetry exported to Application Insights when it is configured.
/// </summary>
public static class FunctionsStartup
{
    /// <summary>The connection setting of the produce queue, shared with the queue trigger.</summary>
    public const string QueueConnection = "CloudLogQueue";

    /// <summary>The app setting that names the produce queue, shared with the queue trigger.</summary>
    public const string QueueNameSetting = "CLOUDLOG_PRODUCE_QUEUE";

    /// <summary>Registers everything the functions need.</summary>
    public static void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddCloudLog(configuration, new HostKeyAuthorizer(), _ => ReadQueueService(configuration));
        var telemetry = services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        if (!string.IsNullOrEmpty(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            // Local auth is off in Application Insights: the exporter signs in with the app's managed identity.
            telemetry.UseAzureMonitorExporter(options =>
            {
                if (configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true)
                {
                    options.Credential = new DefaultAzureCredential();
                }
            });
        }
    }

    /// <summary>
    /// The queue service of the <c>CloudLogQueue</c> connection: a connection string (Azurite), or
    /// <c>CloudLogQueue__queueServiceUri</c> with the managed identity, as the Functions host reads it.
    /// </summary>
    internal static QueueServiceClient ReadQueueService(IConfiguration configuration)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        if (configuration[QueueConnection] is { Length: > 0 } connectionString)
        {
            return new QueueServiceClient(connectionString, options);
        }

        if (configuration[$"{QueueConnection}:queueServiceUri"] is { Length: > 0 } uri)
        {
            return new QueueServiceClient(new Uri(uri), new DefaultAzureCredential(), options);
        }

        return CloudLogConfiguration.ReadQueueService(configuration);
    }
}

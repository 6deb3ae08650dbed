using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cloud.Log.Kafka.Tests;

/// <summary>
/// The standalone server as a process of its own (as <c>./run.sh</c> starts it) with the Kafka listener on,
/// over given storage and resource prefix: several of them over one prefix are several instances of one
/// deployment, which share nothing but storage.
/// </summary>
internal sealed class KafkaServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private KafkaServerProcess(Process process, Uri endpoint, int kafkaPort)
    {
        _process = process;
        Endpoint = endpoint;
        KafkaPort = kafkaPort;
    }

    /// <summary>The REST API's address.</summary>
    public Uri Endpoint { get; }

    public int KafkaPort { get; }

    /// <summary>The Kafka listener's address, host:port: Metadata and FindCoordinator advertise it.</summary>
    public string BootstrapServers => $"127.0.0.1:{KafkaPort}";

    /// <summary>Starts the server (built with this test assembly, in its own output) and waits until it answers its health check.</summary>
    public static async Task<KafkaServerProcess> StartAsync(string connectionString, string prefix, CancellationToken cancellationToken)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var server = Path.Combine(RepositoryRoot(), "functions", "Cloud.Log.Server", "bin", configuration, "net10.0", "Cloud.Log.Server.dll");
        var (httpPort, kafkaPort) = (FreePort(), FreePort());
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(server);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{httpPort}");
        start.Environment["CloudLog__Locations__0__Name"] = "azurite";
        start.Environment["CloudLog__Locations__0__ConnectionString"] = connectionString;
        start.Environment["CloudLog__Engine__ResourcePrefix"] = prefix;
        start.Environment["CloudLog__ProduceQueue__Name"] = prefix + "-produce";
        start.Environment["CloudLog__Kafka__Enabled"] = "true";
        start.Environment["CloudLog__Kafka__Port"] = kafkaPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new KafkaServerProcess(process, new Uri($"http://127.0.0.1:{httpPort}"), kafkaPort);
        try
        {
            await started.WaitUntilHealthyAsync(cancellationToken);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ends the process at once, as a crash or a scaled-in instance would: no connection is closed cleanly.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}.");
            }

            try
            {
                using var health = await http.GetAsync(new Uri("/api/health", UriKind.Relative), cancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new InvalidOperationException("The server did not answer its health check within 60 s.");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test assembly.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

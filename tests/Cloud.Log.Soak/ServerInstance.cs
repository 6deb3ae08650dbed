using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cloud.Log.Soak;

/// <summary>
/// One standalone server process (functions/Cloud.Log.Server, as <c>./run.sh</c> starts it) on a fixed
/// loopback port, which the fault schedule kills with SIGKILL and starts again on the same port, or freezes
/// with SIGSTOP and thaws with SIGCONT. Its standard output and error go to a log file of the run.
/// </summary>
internal sealed class ServerInstance : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _locations;
    private readonly string _metadata;
    private readonly string _prefix;
    private readonly StreamWriter _log;
    private Process? _process;

    private ServerInstance(int index, IReadOnlyList<string> locations, string metadata, string prefix, string logFile)
    {
        Index = index;
        _locations = locations;
        _metadata = metadata;
        _prefix = prefix;
        Port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{Port}");
        _log = new StreamWriter(logFile, append: false) { AutoFlush = true };
    }

    public int Index { get; }

    public int Port { get; }

    public Uri Endpoint { get; }

    /// <summary>Whether the process is frozen by SIGSTOP.</summary>
    public bool Paused { get; private set; }

    public static async Task<ServerInstance> StartAsync(int index, IReadOnlyList<string> locations, string metadata, string prefix, string logFolder)
    {
        var server = new ServerInstance(index, locations, metadata, prefix, Path.Combine(logFolder, $"server-{index}.log"));
        await server.StartAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts the process (again) and waits until it answers its health check; a failed start is retried.</summary>
    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            Launch();
            if (await WaitUntilHealthyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false))
            {
                return;
            }

            await KillAsync().ConfigureAwait(false);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"server {Index} did not become healthy in three attempts (see its log)");
            }
        }
    }

    /// <summary>SIGKILL: the process dies at once, holding whatever leases it held.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }

        Paused = false;
    }

    /// <summary>SIGSTOP: the process stops running, its connections stay open.</summary>
    public async Task PauseAsync()
    {
        await SignalAsync("STOP").ConfigureAwait(false);
        Paused = true;
    }

    /// <summary>SIGCONT.</summary>
    public async Task ResumeAsync()
    {
        await SignalAsync("CONT").ConfigureAwait(false);
        Paused = false;
    }

    public bool IsRunning => _process is { HasExited: false };

    public async ValueTask DisposeAsync()
    {
        if (Paused)
        {
            await ResumeAsync().ConfigureAwait(false);
        }

        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
        await _log.DisposeAsync().ConfigureAwait(false);
    }

    private void Launch()
    {
        _process?.Dispose();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var server = Path.Combine(SoakRun.RepositoryRoot(), "functions", "Cloud.Log.Server", "bin", configuration, "net10.0", "Cloud.Log.Server.dll");
        if (!File.Exists(server))
        {
            throw new InvalidOperationException($"Build the server first (dotnet build functions/Cloud.Log.Server -c {configuration}): {server} is missing.");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(server);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Endpoint.ToString().TrimEnd('/'));
        for (var i = 0; i < _locations.Count; i++)
        {
            start.Environment[$"CloudLog__Locations__{i}__Name"] = $"location{i}";
            start.Environment[$"CloudLog__Locations__{i}__ConnectionString"] = _locations[i];
        }

        start.Environment["CloudLog__Metadata__ConnectionString"] = _metadata;
        start.Environment["CloudLog__Engine__ResourcePrefix"] = _prefix;
        start.Environment["CloudLog__Engine__ReplicaLagTimeMax"] = "00:00:02";
        start.Environment["CloudLog__Jobs__ReplicationInterval"] = "00:00:02";
        start.Environment["CloudLog__ProduceQueue__Name"] = _prefix + "-produce";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server.");
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Write($"--- started pid {process.Id}");
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private async Task<bool> WaitUntilHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is null || _process.HasExited)
            {
                return false;
            }

            try
            {
                using var health = await http.GetAsync(new Uri("/api/health", UriKind.Relative)).ConfigureAwait(false);
                if (health.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        return false;
    }

    private async Task SignalAsync(string signal)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
        Write($"--- SIG{signal}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// The standalone server as its own process (as <c>./run.sh</c> starts it), so that its memory and CPU can be
/// read apart from the benchmark's clients: resident set sampled every 50 ms, CPU time from /proc.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peakRssKib;

    private ServerProcess(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
        _sampler = Task.Run(SampleAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>When the process was started (a <see cref="Stopwatch"/> timestamp): where a cold start is timed from.</summary>
    public long LaunchedAt { get; private init; }

    /// <summary>Starts the built server over <paramref name="connectionString"/> with resource prefix <paramref name="prefix"/>, and waits until it answers its health check.</summary>
    public static Task<ServerProcess> StartAsync(string connectionString, string prefix, IDictionary<string, string>? settings = null) =>
        StartAsync([connectionString], metadataConnectionString: null, prefix, settings);

    /// <summary>
    /// Starts the built server over the replica locations <paramref name="locations"/> (and the metadata tables at
    /// <paramref name="metadataConnectionString"/>, else at location 0), and waits until it answers its health check.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(IReadOnlyList<string> locations, string? metadataConnectionString, string prefix, IDictionary<string, string>? settings = null)
    {
        var server = Launch(locations, metadataConnectionString, prefix, settings);
        try
        {
            await server.WaitUntilHealthyAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the built server and answers at once, before it listens (for timing a cold start).</summary>
    public static ServerProcess Launch(IReadOnlyList<string> locations, string? metadataConnectionString, string prefix, IDictionary<string, string>? settings = null)
    {
        // The server of the configuration this program was built in (its project reference builds it alongside).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var server = Path.Combine(RepositoryRoot(), "functions", "Cloud.Log.Server", "bin", configuration, "net10.0", "Cloud.Log.Server.dll");
        if (!File.Exists(server))
        {
            throw new InvalidOperationException($"Build the server first (dotnet build functions/Cloud.Log.Server -c {configuration}): {server} is missing.");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(server);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        for (var i = 0; i < locations.Count; i++)
        {
            start.Environment[$"CloudLog__Locations__{i}__Name"] = locations.Count == 1 ? "azurite" : $"location{i}";
            start.Environment[$"CloudLog__Locations__{i}__ConnectionString"] = locations[i];
        }

        if (metadataConnectionString is not null)
        {
            start.Environment["CloudLog__Metadata__ConnectionString"] = metadataConnectionString;
        }

        start.Environment["CloudLog__Engine__ResourcePrefix"] = prefix;
        start.Environment["CloudLog__ProduceQueue__Name"] = prefix + "-produce";
        start.Environment["Logging__LogLevel__Default"] = "Warning"; // as in production: no log line per request
        start.Environment["DOTNET_SYSTEM_NET_HTTP_DISABLEURIREDACTION"] = "true"; // the request trace tells appends by their query (comp=appendblock); no secret is in it (shared-key auth goes in a header)
        foreach (var (key, value) in (settings ?? new Dictionary<string, string>()).Concat(ExtraEnvironment()))
        {
            start.Environment[key] = value;
        }

        var launchedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, new Uri($"http://127.0.0.1:{port}")) { LaunchedAt = launchedAt };
    }

    /// <summary>Waits until the server answers its health check (30 s at most).</summary>
    public async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}.");
            }

            try
            {
                using var health = await http.GetAsync(new Uri("/api/health", UriKind.Relative)).ConfigureAwait(false);
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too slow to answer on a loaded machine: ask again.
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new InvalidOperationException("The server did not answer its health check within 30 s.");
    }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The server's process, for <see cref="ProcessCpu"/>.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The largest resident set seen since the last reset, in MiB.</summary>
    public double PeakRssMib => Interlocked.Read(ref _peakRssKib) / 1024.0;

    public void ResetPeak() => Interlocked.Exchange(ref _peakRssKib, 0);

    /// <summary>The server's CPU time so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        var status = $"/proc/{_process.Id}/status";
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                foreach (var line in await File.ReadAllLinesAsync(status, _stop.Token).ConfigureAwait(false))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                        long seen;
                        do
                        {
                            seen = Interlocked.Read(ref _peakRssKib);
                        }
                        while (kib > seen && Interlocked.CompareExchange(ref _peakRssKib, kib, seen) != seen);
                    }
                }

                await Task.Delay(50, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or UnauthorizedAccessException)
            {
                return; // exited, or stopping
            }
        }
    }

    /// <summary>Environment for the server from BENCH_SERVER_ENV ("A=1;B=2"), for experiments such as GC settings.</summary>
    private static IEnumerable<KeyValuePair<string, string>> ExtraEnvironment() =>
        (Environment.GetEnvironmentVariable("BENCH_SERVER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).Select(p => new KeyValuePair<string, string>(p[0], p[1]));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Directory.Packages.props")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the benchmark's directory.");
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cloud.Log.Testing;

/// <summary>
/// One Azurite (the pinned npm package, see package.json) running as a child process on free loopback
/// ports with a fresh data folder. Dispose stops it and deletes the folder. <see cref="KillAsync"/>
/// simulates a storage location failing; <see cref="StopAsync"/> takes it down the way an outage of a
/// durable store does (it keeps what it had), <see cref="RestartAsync"/> brings it back on the same ports
/// with the same data, and <see cref="PauseAsync"/> makes it stop answering without closing connections.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>Azurite's published development account key (not a secret).</summary>
    public const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _dataFolder;
    private Process _process;

    private AzuriteProcess(Process process, string dataFolder, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _dataFolder = dataFolder;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    /// <summary>The node process serving this Azurite (it changes on a restart).</summary>
    public int ProcessId => _process.Id;

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>A connection string for this Azurite's blob, queue and table endpoints.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    /// <summary>Starts Azurite and waits until its three services accept connections.</summary>
    public static async Task<AzuriteProcess> StartAsync(CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
            var folder = Path.Combine(Path.GetTempPath(), "cloudlog-azurite-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var azurite = new AzuriteProcess(Launch(folder, blob, queue, table), folder, blob, queue, table);
            if (await azurite.WaitUntilListeningAsync(TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false)) // a machine busy with builds can take tens of seconds to start four
            {
                return azurite;
            }

            await azurite.DisposeAsync().ConfigureAwait(false);
            if (attempt >= 2)
            {
                throw new InvalidOperationException("Azurite did not start listening within 90 s (three attempts).");
            }
        }
    }

    /// <summary>Starts this Azurite again on the same ports with the data it had when it stopped.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
        _process = Launch(_dataFolder, BlobPort, QueuePort, TablePort);
        if (!await WaitUntilListeningAsync(TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false)) // as long as a start may take on a busy machine
        {
            throw new InvalidOperationException("Azurite did not come back within 90 s.");
        }
    }

    /// <summary>
    /// Stops the process as an orderly shutdown (SIGTERM), so it keeps what it had acknowledged, as a
    /// durable store does through an outage; <see cref="RestartAsync"/> brings it back.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await SignalAsync("TERM").ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Freezes the process (SIGSTOP): connections stay open and nothing answers, as a hung store.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync().ConfigureAwait(false);
    }

    private static Process Launch(string folder, int blob, int queue, int table)
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            FindAzuriteScript(), "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--location", folder,
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Kills the process at once, as a storage outage.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            await ResumeAsync().ConfigureAwait(false); // a paused process dies only once it runs again
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// The repository's Azurite, installed by <c>npm ci</c> at the root (the README's test command does it).
    /// </summary>
    private static string FindAzuriteScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "node_modules", "azurite", "dist", "src", "azurite.js");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException("Azurite is not installed: run 'npm ci' at the repository root (./test.sh does).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<bool> WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                {
                    return false;
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        // A port taken by another process between FreePort and the bind also accepts connections, while this
        // Azurite exits on the failed bind: make sure it is still the one running.
        await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        return !_process.HasExited;
    }
}

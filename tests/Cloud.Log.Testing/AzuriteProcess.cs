using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

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
    private readonly StringBuilder _errors = new(); // what the running process wrote to stderr, for a failed start's message
    private Process _process;

    private AzuriteProcess(string dataFolder, int blobPort, int queuePort, int tablePort)
    {
        _dataFolder = dataFolder;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        _process = Launch();
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
            // Ports below the ephemeral range: a restart binds them again, and while this Azurite is down no
            // outgoing connection on the machine can take one as its local port.
            var (blob, queue, table) = (LoopbackPorts.BelowEphemeralRange(), LoopbackPorts.BelowEphemeralRange(), LoopbackPorts.BelowEphemeralRange());
            var folder = Path.Combine(Path.GetTempPath(), "cloudlog-azurite-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var azurite = new AzuriteProcess(folder, blob, queue, table);
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
    /// <remarks>
    /// A launch that exits at once (a port still held by a socket that is closing) is tried again, within the
    /// 90 s a start may take on a busy machine.
    /// </remarks>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var started = DateTime.UtcNow;
        var deadline = started + TimeSpan.FromSeconds(90);
        for (var attempt = 1; ; attempt++)
        {
            await KillAsync().ConfigureAwait(false);
            _process.Dispose();
            _process = Launch();
            if (await WaitUntilListeningAsync(deadline - DateTime.UtcNow, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline || attempt >= 5)
            {
                throw new InvalidOperationException(
                    $"Azurite did not come back: {attempt} launches in {(DateTime.UtcNow - started).TotalSeconds:0} s; its last words: {LastErrors()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
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

    private Process Launch()
    {
        lock (_errors)
        {
            _errors.Clear();
        }

        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            FindAzuriteScript(), "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--location", _dataFolder,
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start node.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (_errors)
            {
                if (line.Data is not null && _errors.Length < 4096)
                {
                    _errors.AppendLine(line.Data);
                }
            }
        };
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

    private string LastErrors()
    {
        lock (_errors)
        {
            return _errors.Length == 0 ? "(nothing on stderr)" : _errors.ToString().Trim();
        }
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

        // A port taken by another process between its choice and the bind also accepts connections, while this
        // Azurite exits on the failed bind: make sure it is still the one running.
        await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        return !_process.HasExited;
    }
}

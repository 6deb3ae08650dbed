using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cloud.Log.Api.Contract;

namespace Cloud.Log.Server.Tests;

/// <summary>
/// The README's run command, as a newcomer types it: <c>./run.sh</c> starts Azurite and the server, answers a
/// produce and a fetch, and Ctrl-C (SIGINT) stops both.
/// </summary>
public sealed class RunScriptTests
{
    /// <summary>run.sh serves the API with the server's own settings, answers a produce and a fetch, and SIGINT stops the server and Azurite.</summary>
    [Fact(Timeout = 240_000)]
    public async Task Run_script_serves_the_api_and_stops_on_ctrl_c()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "run.sh is a bash script");
        var root = FindRepositoryRoot();
        var ports = Enumerable.Range(0, 5).Select(_ => FreePort()).ToArray();
        var data = Path.Combine(Path.GetTempPath(), "cloudlog-run-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("bash", [Path.Combine(root, "run.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["CLOUDLOG_PORT"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["AZURITE_BLOB_PORT"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["AZURITE_QUEUE_PORT"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["AZURITE_TABLE_PORT"] = ports[3].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["CLOUDLOG_KAFKA_PORT"] = ports[4].ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["CLOUDLOG_DATA"] = data;

        using var process = Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Cloud.Log is running at", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var started = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(180)));
            Assert.True(started == ready.Task, "run.sh did not report the server running:\n" + output);
            lock (output)
            {
                Assert.Contains("curl", output.ToString(), StringComparison.Ordinal);
            }

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}") };
            Assert.Equal(HttpStatusCode.Created, (await client.JsonAsync(HttpMethod.Post, "/api/topics", """{"name":"orders","partitions":3}""")).Status);
            var (produced, offsets) = await client.JsonAsync(HttpMethod.Post, "/api/topics/orders/records", """{"records":[{"key":"user-1","value":"hello"}]}""");
            Assert.Equal(HttpStatusCode.OK, produced);
            var partition = offsets.GetProperty("offsets")[0].GetProperty("partition").GetInt32();
            var (_, fetched) = await client.JsonAsync(HttpMethod.Get, $"/api/topics/orders/partitions/{partition}/records?offset=0");
            Assert.Equal("hello", fetched.GetProperty("records")[0].GetProperty("value").GetString());

            using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(stopping.Token);
            lock (output)
            {
                Assert.Contains("Cloud.Log stopped.", output.ToString(), StringComparison.Ordinal);

                // The server's appsettings.json is read though run.sh starts it from the repository's root: it keeps
                // ASP.NET Core's lines per request (information) out of the console.
                Assert.DoesNotContain("Microsoft.AspNetCore.Hosting.Diagnostics", output.ToString(), StringComparison.Ordinal);
            }

            foreach (var port in ports)
            {
                Assert.False(await IsListeningAsync(port), $"port {port} still answers after Ctrl-C");
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "run.sh")) && File.Exists(Path.Combine(dir.FullName, "Cloud.Log.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run.sh not found above the test's folder.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

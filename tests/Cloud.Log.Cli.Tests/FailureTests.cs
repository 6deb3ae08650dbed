using System.Net;
using System.Net.Sockets;
using Cloud.Log.Testing;

namespace Cloud.Log.Cli.Tests;

/// <summary>Bad input through the installed tool: each failure is one line on stderr with an exit code scripts can rely on.</summary>
public sealed class FailureTests(StorageFixture storage, InstalledTool tool) : CliTest(storage, tool)
{
    /// <summary>Every command that names an unknown topic fails with the service's UNKNOWN_TOPIC_OR_PARTITION problem and exit 1.</summary>
    [Fact(Timeout = 300_000)]
    public async Task An_unknown_topic_is_one_line_and_exit_1()
    {
        var missing = NewTopic();
        string[][] commands =
        [
            ["topics", "describe", missing],
            ["topics", "alter", missing, "--config", "retention.ms=1000"],
            ["topics", "delete", missing],
            ["produce", missing, "value"],
            ["consume", missing],
            ["consume", missing, "--group", NewGroup()],
            ["offsets", missing],
            ["groups", "reset-offsets", NewGroup(), "--topic", missing, "--to", "earliest"],
        ];
        foreach (var line in await Task.WhenAll(commands.Select(async c => AssertOneLineFailure(await CliAsync(c), 1, "UNKNOWN_TOPIC_OR_PARTITION"))))
        {
            Assert.Contains(missing, line, StringComparison.Ordinal);
        }
    }

    /// <summary>An offset that is not one is a usage error (exit 2); one outside the log is refused with OFFSET_OUT_OF_RANGE (exit 1); neither prints a record.</summary>
    [Fact(Timeout = 300_000)]
    public async Task A_bad_offset_is_one_line_and_a_non_zero_exit()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        await OkAsync("produce", topic, "only");

        AssertOneLineFailure(await CliAsync("consume", topic, "--from", "abc"), 2, "--from takes beginning, end, an offset");
        AssertOneLineFailure(await CliAsync("consume", topic, "--from", "-5"), 2, "--from");
        var outside = AssertOneLineFailure(await CliAsync("consume", topic, "--from", "99"), 1, "OFFSET_OUT_OF_RANGE");
        Assert.Contains("0 to 1", outside, StringComparison.Ordinal);
        AssertOneLineFailure(await CliAsync("consume", topic, "--group", NewGroup(), "--from", "0"), 2, "reset-offsets");
        AssertOneLineFailure(await CliAsync("consume", topic, "--max", "0"), 2, "--max");
        AssertOneLineFailure(await CliAsync("consume", topic, "--partition", "3"), 1, "UNKNOWN_TOPIC_OR_PARTITION");
    }

    /// <summary>A wrong API key, or none, is the service's 401 as one line and exit 4, for every kind of command.</summary>
    [Fact(Timeout = 300_000)]
    public async Task A_wrong_api_key_is_one_line_and_exit_4()
    {
        var topic = NewTopic();
        await OkAsync("topics", "create", topic);
        string[][] commands = [["topics", "list"], ["produce", topic, "v"], ["consume", topic], ["groups", "list"], ["offsets", topic]];
        foreach (var key in new[] { "wrong", "" })
        {
            foreach (var result in await Task.WhenAll(commands.Select(c => Tool.RunAsync(c, Configured(key), cancellationToken: TestContext.Current.CancellationToken))))
            {
                AssertOneLineFailure(result, 4, "UNAUTHORIZED");
            }
        }

        var fromOption = await Tool.RunAsync(["topics", "list", "--api-key", "wrong"], Configured(), cancellationToken: TestContext.Current.CancellationToken);
        AssertOneLineFailure(fromOption, 4, "UNAUTHORIZED"); // the option wins over CLOUDLOG_API_KEY
    }

    /// <summary>Command lines the parser refuses (unknown option, missing argument, bad --output, no subcommand) are one line and exit 2.</summary>
    [Fact(Timeout = 300_000)]
    public async Task A_bad_command_line_is_one_line_and_exit_2()
    {
        AssertOneLineFailure(await CliAsync("topics", "list", "--bogus"), 2, "--bogus");
        AssertOneLineFailure(await CliAsync("consume"), 2, "cloudlog consume --help");
        AssertOneLineFailure(await CliAsync("topics", "list", "--output", "xml"), 2, "--output takes text, json or table");
        AssertOneLineFailure(await CliAsync("groups"), 2, "cloudlog groups --help");
        AssertOneLineFailure(await CliAsync("topics", "list", "--endpoint", "not-a-url"), 2, "not an http or https address");
    }

    /// <summary>An endpoint nothing listens on is one line naming the network's reason, and exit 3.</summary>
    [Fact(Timeout = 300_000)]
    public async Task An_unreachable_service_is_one_line_and_exit_3()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await Tool.RunAsync(["topics", "list", "--endpoint", $"http://127.0.0.1:{port}"], Configured(), cancellationToken: TestContext.Current.CancellationToken);

        AssertOneLineFailure(result, 3, "SERVICE_UNREACHABLE");
    }
}

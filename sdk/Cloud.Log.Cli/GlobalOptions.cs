using System.CommandLine;
using Cloud.Log.Cli.Output;

namespace Cloud.Log.Cli;

/// <summary>The options every command takes, and the shared <c>--output</c> option's factory.</summary>
internal static class GlobalOptions
{
    /// <summary><c>--endpoint</c>: the service's address.</summary>
    public static readonly Option<string> Endpoint = new("--endpoint", "-e")
    {
        Description = "The service's address (default: CLOUDLOG_ENDPOINT, the profile's, else http://127.0.0.1:7071).",
        HelpName = "url",
        Recursive = true,
    };

    /// <summary><c>--api-key</c>: the key sent as <c>x-functions-key</c>.</summary>
    public static readonly Option<string> ApiKey = new("--api-key")
    {
        Description = "An API key or function key (default: CLOUDLOG_API_KEY, else the profile's).",
        HelpName = "key",
        Recursive = true,
    };

    /// <summary><c>--profile</c>: which saved profile to use.</summary>
    public static readonly Option<string> Profile = new("--profile")
    {
        Description = "The saved profile to use (default: CLOUDLOG_PROFILE, else 'default').",
        HelpName = "name",
        Recursive = true,
    };

    /// <summary>An <c>--output</c> option with <paramref name="defaultFormat"/> as its default.</summary>
    public static Option<OutputFormat> Output(OutputFormat defaultFormat)
    {
        var option = new Option<OutputFormat>("--output", "-o")
        {
            Description = "text (tab-separated, no header), json (one JSON object a line) or table.",
            HelpName = "text|json|table",
            DefaultValueFactory = _ => defaultFormat,
            CustomParser = result => result.Tokens[0].Value.ToUpperInvariant() switch
            {
                "TEXT" => OutputFormat.Text,
                "JSON" => OutputFormat.Json,
                "TABLE" => OutputFormat.Table,
                _ => Fail(result),
            },
        };
        return option;

        static OutputFormat Fail(System.CommandLine.Parsing.ArgumentResult result)
        {
            result.AddError($"--output takes text, json or table, not '{result.Tokens[0].Value}'.");
            return OutputFormat.Text;
        }
    }
}

using System.CommandLine;
using Cloud.Log.Cli.Connection;
using Cloud.Log.Cli.Output;

namespace Cloud.Log.Cli.Commands;

/// <summary><c>cloudlog profile set|show</c>: the endpoint and API key saved in the user's config directory.</summary>
internal static class ProfileCommand
{
    public static Command Create(Terminal terminal)
    {
        var profile = new Command("profile", "Save an endpoint and API key (a profile), and show what a command would use.");
        profile.Subcommands.Add(Set(terminal));
        profile.Subcommands.Add(Show(terminal));
        return profile;
    }

    private static Command Set(Terminal terminal)
    {
        var command = new Command("set", "Save --endpoint and/or --api-key in the profile (--profile, default 'default'); other saved values stay.");
        CommandAction.Set(command, terminal, async (parse, cancellationToken) =>
        {
            var endpoint = parse.GetValue(GlobalOptions.Endpoint);
            var apiKey = parse.GetValue(GlobalOptions.ApiKey);
            if (endpoint is null && apiKey is null)
            {
                throw new CliUsageException("Say what to save: --endpoint URL and/or --api-key KEY.");
            }

            if (endpoint is not null)
            {
                ConnectionSettings.ParseEndpoint(endpoint, "--endpoint");
            }

            var name = parse.GetValue(GlobalOptions.Profile) ?? ConnectionSettings.DefaultProfile;
            var file = ProfileStore.Load();
            if (!file.Profiles.TryGetValue(name, out var saved))
            {
                file.Profiles[name] = saved = new Profile();
            }

            saved.Endpoint = endpoint ?? saved.Endpoint;
            saved.ApiKey = apiKey ?? saved.ApiKey;
            ProfileStore.Save(file);
            await terminal.Error.WriteLineAsync($"Saved profile '{name}' in {ProfileStore.FilePath}.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(Terminal terminal)
    {
        var output = GlobalOptions.Output(OutputFormat.Table);
        var command = new Command("show", "Show the endpoint and API key (masked) a command would use, and where each comes from.") { output };
        CommandAction.Set(command, terminal, (parse, cancellationToken) =>
        {
            var settings = ConnectionSettings.Resolve(parse);
            Tabular.Write(
                terminal,
                parse.GetValue(output),
                [new("SETTING", "setting"), new("VALUE", "value"), new("FROM", "source")],
                [
                    ["profile", settings.ProfileName, ProfileStore.FilePath],
                    ["endpoint", settings.Endpoint.ToString(), settings.EndpointSource],
                    ["api-key", Mask(settings.ApiKey), settings.ApiKeySource],
                ]);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static string? Mask(string? key) => key is null ? null : key.Length <= 4 ? "****" : key[..2] + new string('*', Math.Min(8, key.Length - 4)) + key[^2..];
}

using System.Text.Json;

namespace Cloud.Log.Cli.Connection;

/// <summary>
/// Where profiles are kept: <c>cloudlog/profiles.json</c> in the user's config directory
/// (<c>$XDG_CONFIG_HOME</c> or <c>~/.config</c> on Linux and macOS, <c>%APPDATA%</c> on Windows), readable by the
/// user only where the file system has modes.
/// </summary>
internal static class ProfileStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The profiles file's path.</summary>
    public static string FilePath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "cloudlog", "profiles.json");

    /// <summary>The saved profiles; none when the file does not exist.</summary>
    public static ProfileFile Load()
    {
        var path = FilePath;
        if (!File.Exists(path))
        {
            return new ProfileFile();
        }

        try
        {
            var file = JsonSerializer.Deserialize<ProfileFile>(File.ReadAllText(path), Json) ?? new ProfileFile();
            file.Profiles = new Dictionary<string, Profile>(file.Profiles, StringComparer.Ordinal);
            return file;
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"The profiles file {path} is not valid JSON ({e.Message}); fix or delete it.");
        }
    }

    /// <summary>Writes the profiles, creating the directory; the file is made readable by the user only.</summary>
    public static void Save(ProfileFile file)
    {
        var path = FilePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(file, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

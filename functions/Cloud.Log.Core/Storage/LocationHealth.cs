namespace Cloud.Log.Core.Storage;

/// <summary>Whether one storage location answered a health probe.</summary>
/// <param name="Name">The location's name.</param>
/// <param name="Healthy">Whether it answered in time.</param>
/// <param name="Error">What went wrong, when it did not.</param>
public sealed record LocationHealth(string Name, bool Healthy, string? Error);

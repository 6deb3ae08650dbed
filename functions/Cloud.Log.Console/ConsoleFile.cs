namespace Cloud.Log.Console;

/// <summary>One file of the console as it is served: its path below <c>/console/</c>, media type, bytes and entity tag.</summary>
/// <param name="Path">The path below <c>/console/</c>, with forward slashes, e.g. <c>js/app.js</c>.</param>
/// <param name="ContentType">The media type it is served with.</param>
/// <param name="Content">The file's bytes.</param>
/// <param name="ETag">A strong entity tag derived from the bytes, so a browser revalidates cheaply.</param>
public sealed record ConsoleFile(string Path, string ContentType, ReadOnlyMemory<byte> Content, string ETag);

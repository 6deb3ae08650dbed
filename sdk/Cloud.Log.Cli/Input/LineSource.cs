using System.Runtime.CompilerServices;

namespace Cloud.Log.Cli.Input;

/// <summary>The lines <c>produce</c> reads: its arguments, a file (which can be read twice: checked, then sent) or standard input.</summary>
internal sealed class LineSource : IDisposable
{
    private readonly string[]? _arguments;
    private readonly FileStream? _file;
    private TextReader? _reader;

    /// <summary>The command line's values, one record each.</summary>
    public LineSource(string[] arguments)
    {
        _arguments = arguments;
    }

    /// <summary>Lines of a reader (standard input), read once.</summary>
    public LineSource(TextReader reader, FileStream? file)
    {
        _reader = reader;
        _file = file;
    }

    /// <summary>Whether the values came from the command line.</summary>
    public bool FromArguments => _arguments is not null;

    /// <summary>Whether the lines can be read again (a file).</summary>
    public bool CanRewind => _file is not null;

    /// <summary>A file's lines; a missing file is a usage error.</summary>
    public static LineSource Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliUsageException($"No such file: {path}");
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return new LineSource(new StreamReader(file, leaveOpen: true), file);
    }

    /// <summary>The lines with their 1-based numbers.</summary>
    public async IAsyncEnumerable<(long Number, string Line)> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long number = 0;
        if (_arguments is not null)
        {
            foreach (var argument in _arguments)
            {
                yield return (++number, argument);
            }

            yield break;
        }

        while (await _reader!.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            yield return (++number, line);
        }
    }

    /// <summary>Back to the file's first line.</summary>
    public void Rewind()
    {
        if (_file is null)
        {
            throw new InvalidOperationException("Only a file can be read again.");
        }

        _reader?.Dispose();
        _file.Position = 0;
        _reader = new StreamReader(_file, leaveOpen: true);
    }

    public void Dispose()
    {
        if (_file is not null)
        {
            _reader?.Dispose();
            _file.Dispose();
        }
    }
}

using System.Buffers.Binary;
using System.Net.Sockets;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Tests.Auth;

/// <summary>A raw Kafka connection for tests: sends request frames built with the listener's writer and reads response frames.</summary>
internal sealed class KafkaWire : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;
    private int _correlation;

    public static async Task<KafkaWire> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var wire = new KafkaWire();
        await wire._client.ConnectAsync("127.0.0.1", port, cancellationToken);
        wire._stream = wire._client.GetStream();
        return wire;
    }

    /// <summary>Sends a request (header v1, or v2 when <paramref name="flexible"/>) and returns the response body after the header.</summary>
    public async Task<KafkaReader> RequestAsync(ApiKey key, short version, Action<KafkaWriter> body, bool flexible = false, CancellationToken cancellationToken = default)
    {
        var writer = new KafkaWriter();
        writer.WriteInt32(0);
        writer.WriteInt16((short)key);
        writer.WriteInt16(version);
        writer.WriteInt32(++_correlation);
        writer.WriteNullableString("wire-test", flexible: false);
        writer.WriteEmptyTaggedFieldsIf(flexible);
        body(writer);
        writer.PatchInt32(0, writer.Length - 4);
        await _stream.WriteAsync(writer.WrittenMemory, cancellationToken);
        var frame = await ReadFrameAsync(cancellationToken) ?? throw new IOException("The listener closed the connection instead of answering.");
        var reader = new KafkaReader(frame);
        Assert.Equal(_correlation, reader.ReadInt32());
        reader.SkipTaggedFieldsIf(flexible && key != ApiKey.ApiVersions);
        return reader;
    }

    /// <summary>Sends a request and expects the listener to close the connection without an answer.</summary>
    public async Task<bool> IsClosedAfterAsync(ApiKey key, short version, Action<KafkaWriter> body, CancellationToken cancellationToken)
    {
        try
        {
            await RequestAsync(key, version, body, cancellationToken: cancellationToken);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Whether the listener has closed the connection (reading gives end of stream).</summary>
    public async Task<bool> IsClosedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadFrameAsync(cancellationToken) is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix, timeout.Token))
        {
            return null;
        }

        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        return await ReadExactlyAsync(frame, timeout.Token) ? frame : throw new IOException("The response frame was cut short.");
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return read == 0 ? false : throw new IOException("The connection closed mid-frame.");
            }

            read += n;
        }

        return true;
    }
}

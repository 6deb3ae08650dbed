using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;

namespace Cloud.Log.Kafka.Protocol;

/// <summary>
/// Writes Kafka's primitive types into a growing buffer: the mirror of <see cref="KafkaReader"/>. Record
/// batches are written as they are stored, without a copy of their records being decoded; a writer made
/// <c>byReference</c> does not even copy them into its buffer, but keeps where they go and writes them from
/// where they lie straight to the connection (<see cref="WriteToAsync"/>): a fetch answer of many MiB is then
/// never held twice.
/// </summary>
internal sealed class KafkaWriter
{
    /// <summary>Bytes written to a connection between two flushes, so the connection's buffer stays small.</summary>
    private const int FlushBytes = 256 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly List<(int At, ReadOnlyMemory<byte> Bytes)>? _references;
    private readonly List<Action> _afterSent = [];
    private int _referencedBytes;

    public KafkaWriter(int initialCapacity = 256, bool byReference = false)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        _references = byReference ? [] : null;
    }

    /// <summary>Bytes written so far, record batches kept by reference included.</summary>
    public int Length => checked(_buffer.WrittenCount + _referencedBytes);

    /// <summary>What was written, in one piece (record batches kept by reference are copied in here).</summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            if (_references is not { Count: > 0 })
            {
                return _buffer.WrittenMemory;
            }

            var whole = new byte[Length];
            var at = 0;
            var from = 0;
            foreach (var (position, bytes) in _references)
            {
                _buffer.WrittenSpan[from..position].CopyTo(whole.AsSpan(at));
                at += position - from;
                from = position;
                bytes.Span.CopyTo(whole.AsSpan(at));
                at += bytes.Length;
            }

            _buffer.WrittenSpan[from..].CopyTo(whole.AsSpan(at));
            return whole;
        }
    }

    /// <summary>Runs <paramref name="release"/> once what was written has gone out (or will not): the bytes referenced may go then.</summary>
    public void AfterSent(Action release) => _afterSent.Add(release);

    /// <summary>Runs what waits for the bytes to have gone out (<see cref="AfterSent"/>); a second call does nothing.</summary>
    public void Release()
    {
        var releases = _afterSent.ToList();
        _afterSent.Clear();
        foreach (var release in releases)
        {
            release();
        }
    }

    /// <summary>
    /// Writes everything to <paramref name="output"/>, the record batches kept by reference from where they lie,
    /// flushing every <see cref="FlushBytes"/> so the connection pushes back on a slow reader. False when the
    /// connection stopped taking bytes.
    /// </summary>
    public async Task<bool> WriteToAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        var from = 0;
        var pending = 0;
        foreach (var (position, bytes) in _references ?? [])
        {
            output.Write(_buffer.WrittenSpan[from..position]);
            pending += position - from;
            from = position;
            for (var at = 0; at < bytes.Length; at += FlushBytes)
            {
                var part = bytes.Slice(at, Math.Min(FlushBytes, bytes.Length - at));
                output.Write(part.Span);
                pending += part.Length;
                if (pending >= FlushBytes)
                {
                    pending = 0;
                    var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        return false;
                    }
                }
            }
        }

        output.Write(_buffer.WrittenSpan[from..]);
        var last = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return !last.IsCompleted && !last.IsCanceled;
    }

    public void WriteInt8(sbyte value) => Span(1)[0] = (byte)value;

    public void WriteBoolean(bool value) => Span(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Span(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Span(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Span(8), value);

    public void WriteUuid(Guid value) => value.TryWriteBytes(Span(16), bigEndian: true, out _);

    public void WriteUnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            Span(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Span(1)[0] = (byte)value;
    }

    public void WriteString(string value, bool flexible) => WriteNullableString(value, flexible);

    public void WriteNullableString(string? value, bool flexible)
    {
        if (value is null)
        {
            WriteLength(-1, flexible, wide: false);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteLength(length, flexible, wide: false);
        Encoding.UTF8.GetBytes(value, Span(length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool flexible)
    {
        WriteLength(value.Length, flexible, wide: true);
        value.CopyTo(Span(value.Length));
    }

    public void WriteNullableBytes(ReadOnlyMemory<byte>? value, bool flexible)
    {
        if (value is not { } bytes)
        {
            WriteLength(-1, flexible, wide: true);
            return;
        }

        WriteBytes(bytes.Span, flexible);
    }

    /// <summary>Record batches as one nullable-bytes field: their total length, then each as stored.</summary>
    public void WriteRecords(IReadOnlyList<ReadOnlyMemory<byte>> batches, bool flexible)
    {
        var total = 0;
        foreach (var batch in batches)
        {
            total += batch.Length;
        }

        WriteLength(total, flexible, wide: true);
        foreach (var batch in batches)
        {
            if (_references is not null)
            {
                _references.Add((_buffer.WrittenCount, batch));
                _referencedBytes = checked(_referencedBytes + batch.Length);
            }
            else
            {
                batch.Span.CopyTo(Span(batch.Length));
            }
        }
    }

    /// <summary>An array's element count: int32 (-1 = null) or compact (0 = null).</summary>
    public void WriteArrayLength(int count, bool flexible) => WriteLength(count, flexible, wide: true);

    /// <summary>An array, each element written by <paramref name="write"/>.</summary>
    public void WriteArray<T>(IReadOnlyCollection<T> items, bool flexible, Action<KafkaWriter, T> write)
    {
        WriteArrayLength(items.Count, flexible);
        foreach (var item in items)
        {
            write(this, item);
        }
    }

    /// <summary>An empty tagged-field section, when <paramref name="flexible"/>.</summary>
    public void WriteEmptyTaggedFieldsIf(bool flexible)
    {
        if (flexible)
        {
            WriteUnsignedVarint(0);
        }
    }

    /// <summary>Overwrites 4 bytes already written at <paramref name="position"/> (a frame's length).</summary>
    public void PatchInt32(int position, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span.Slice(position, 4), value);

    private void WriteLength(int length, bool flexible, bool wide)
    {
        if (flexible)
        {
            WriteUnsignedVarint((uint)(length + 1));
        }
        else if (wide)
        {
            WriteInt32(length);
        }
        else
        {
            WriteInt16(checked((short)length));
        }
    }

    private Span<byte> Span(int count)
    {
        var span = _buffer.GetSpan(count)[..count];
        _buffer.Advance(count);
        return span;
    }
}

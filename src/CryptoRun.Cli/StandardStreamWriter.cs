using System.Text;

namespace CryptoRun.Cli;

/// <summary>
/// Standard output or error that could not be written (a full disk, a closed pipe): reported once at the
/// CLI's error edge as <c>cannot write standard output: No space left on device</c>, exit 5.
/// </summary>
/// <param name="stream">"standard output" or "standard error".</param>
/// <param name="inner">The write's failure.</param>
internal sealed class StandardStreamException(string stream, IOException inner)
    : Exception($"cannot write {stream}: {inner.Message}", inner);

/// <summary>
/// Passes everything on to a command's standard output or error, turning the writer's <see cref="IOException"/>
/// (at a write or at a flush) into a <see cref="StandardStreamException"/> that names the stream, so a full
/// disk is told apart from a file the command failed to read.
/// </summary>
internal sealed class StandardStreamWriter(TextWriter inner, string stream) : TextWriter(inner.FormatProvider)
{
    /// <inheritdoc />
    public override Encoding Encoding => inner.Encoding;

    /// <inheritdoc />
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    /// <inheritdoc />
    public override void Write(char value) => Guard(() => inner.Write(value));

    /// <inheritdoc />
    public override void Write(string? value) => Guard(() => inner.Write(value));

    /// <inheritdoc />
    public override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<char> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (IOException ex)
        {
            throw new StandardStreamException(stream, ex);
        }
    }

    /// <inheritdoc />
    public override void WriteLine() => Guard(inner.WriteLine);

    /// <inheritdoc />
    public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

    /// <inheritdoc />
    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        try
        {
            inner.WriteLine(buffer);
        }
        catch (IOException ex)
        {
            throw new StandardStreamException(stream, ex);
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(char value) => GuardAsync(() => inner.WriteAsync(value));

    /// <inheritdoc />
    public override Task WriteAsync(string? value) => GuardAsync(() => inner.WriteAsync(value));

    /// <inheritdoc />
    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        => GuardAsync(() => inner.WriteAsync(buffer, cancellationToken));

    /// <inheritdoc />
    public override Task WriteLineAsync(string? value) => GuardAsync(() => inner.WriteLineAsync(value));

    /// <inheritdoc />
    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        => GuardAsync(() => inner.WriteLineAsync(buffer, cancellationToken));

    /// <inheritdoc />
    public override void Flush() => Guard(inner.Flush);

    /// <inheritdoc />
    public override Task FlushAsync() => GuardAsync(inner.FlushAsync);

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => GuardAsync(() => inner.FlushAsync(cancellationToken));

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException ex)
        {
            throw new StandardStreamException(stream, ex);
        }
    }

    private async Task GuardAsync(Func<Task> write)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new StandardStreamException(stream, ex);
        }
    }
}

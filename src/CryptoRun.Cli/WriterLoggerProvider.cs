using Microsoft.Extensions.Logging;

namespace CryptoRun.Cli;

/// <summary>Writes log lines to a command's standard error writer (the console logger can only write to the process console).</summary>
/// <param name="writer">Standard error.</param>
internal sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string message)
    {
        lock (_lock)
        {
            writer.WriteLine($"{(level >= LogLevel.Warning ? "warning" : "info")}: {message}");
        }
    }

    private sealed class Logger(WriterLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, formatter(state, exception));
            }
        }
    }
}

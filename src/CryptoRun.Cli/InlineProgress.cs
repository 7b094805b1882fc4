namespace CryptoRun.Cli;

/// <summary>Reports progress on the reporting thread, in order (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
/// <typeparam name="T">The progress value.</typeparam>
/// <param name="handler">Handles each report.</param>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

using CryptoRun.Domain;

namespace CryptoRun.Providers;

/// <summary>A value together with the provenance of the call that produced it.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The value.</param>
/// <param name="Provenance">Provider, endpoint, window, latency, fetched-at and status of the call.</param>
public sealed record Sourced<T>(T Value, Provenance Provenance);

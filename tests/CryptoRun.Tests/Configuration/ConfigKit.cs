using CryptoRun.Configuration;
using CryptoRun.Venues;

namespace CryptoRun.Tests.Configuration;

internal static class ConfigKit
{
    /// <summary>Every provider the build knows, as the CLI passes them.</summary>
    internal static readonly IReadOnlyList<KnownProvider> Known =
        VenueRegistry.All.Select(v => new KnownProvider(v.Name, v.DefaultBaseAddress, v.Compliance)).ToList();

    internal static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    internal static ProvidersConfig Load(string? path, params (string Name, string Value)[] environment)
        => ProvidersConfig.Load(path, Known, environment.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal));

    /// <summary>The repository root (the folder holding <c>CryptoRun.slnx</c>).</summary>
    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CryptoRun.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no CryptoRun.slnx above " + AppContext.BaseDirectory);
    }
}

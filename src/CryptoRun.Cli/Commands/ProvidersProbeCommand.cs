using System.CommandLine;
using System.Text.Json;
using CryptoRun.Configuration;
using CryptoRun.Domain;
using CryptoRun.Providers;
using Spectre.Console;
using ProviderCapabilities = CryptoRun.Providers.Capabilities;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun providers probe [--verbose] [--format table|json] [--timeout 10s] [--config PATH] [--endpoint V=URL]</c>:
/// probes every configured provider concurrently and reports seed 000's table (provider, status,
/// latency, capabilities available/total); <c>--verbose</c> adds the capability matrix, breaker state,
/// budget headroom and last error; <c>--format json</c> prints the documented JSON document. Exits
/// 3 when a provider in a primary position (the first of any chain) is down.
/// </summary>
internal static class ProvidersProbeCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Add the capability matrix, breaker state, rate-budget headroom and last error" };
        var format = new Option<string>("--format") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var timeout = CliOptions.Timeout("10s", "How long each probe may take");
        var config = CliOptions.Config();
        var endpoint = CliOptions.Endpoint();
        var command = new Command("probe", "Probe every configured provider: status, latency, capabilities") { verbose, format, timeout, config, endpoint };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            parse.GetValue(verbose),
            parse.GetRequiredValue(format),
            CliOptions.ParseDuration(parse.GetRequiredValue(timeout), "--timeout", CliOptions.MaxTimeout),
            parse.GetValue(config),
            parse.GetValue(endpoint) ?? [],
            cancellationToken));
        return new Command("providers", "The provider system: probe providers") { command };
    }

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        bool verbose,
        string format,
        TimeSpan timeout,
        string? config,
        IReadOnlyList<string> endpoints,
        CancellationToken cancellationToken)
    {
        using var host = ProviderHost.Create(environment, endpoints, config);
        var generated = environment.TimeProvider.GetUtcNow();
        var results = await ProviderProbe.ProbeAllAsync(host.Registry, timeout, environment.TimeProvider, cancellationToken);
        var primaries = host.Config.Chains.Values
            .Where(c => c.Providers.Count > 0)
            .GroupBy(c => c.Providers[0])
            .ToDictionary(g => g.Key, g => g.Select(c => c.DataClass.Name()).ToList(), StringComparer.Ordinal);
        var primaryDown = results.Where(r => r.Status == ProbeStatus.Down && primaries.ContainsKey(r.Name)).Select(r => r.Name).ToList();
        if (format == "json")
        {
            environment.Out.WriteLine(Json(host, results, primaries, primaryDown, generated));
        }
        else
        {
            WriteTables(environment, results, verbose, generated);
            HealthBanner.Write(environment, results.Select(r => r.Status == ProbeStatus.Up ? FetchStatus.Ok : r.Status == ProbeStatus.Degraded ? FetchStatus.Degraded : FetchStatus.Down).ToList());
            foreach (var name in primaryDown)
            {
                environment.Out.WriteLine($"primary provider down: {name} (first of {string.Join(", ", primaries[name])})");
            }
        }

        return primaryDown.Count == 0 ? ExitCodes.Ok : ExitCodes.VenueFailure;
    }

    private static void WriteTables(CliEnvironment environment, IReadOnlyList<ProbeResult> results, bool verbose, DateTimeOffset generated)
    {
        var console = environment.Console;
        environment.Out.WriteLine($"Provider Capability Report (Generated: {TimeRange.Format(generated.ToUnixTimeMilliseconds())})");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("Provider");
        table.AddColumn("Status");
        table.AddColumn(new TableColumn("Latency").RightAligned());
        table.AddColumn("Capabilities");
        foreach (var result in results)
        {
            table.AddRow(
                Markup.Escape(result.Name),
                result.Status switch { ProbeStatus.Up => "✅ UP", ProbeStatus.Degraded => "⚠️ DEGRADED", _ => "❌ DOWN" },
                result.LatencyMs is { } ms ? $"{ms}ms" : "-",
                $"{result.CapabilitiesAvailable}/{result.Capabilities.Count} available");
        }

        console.Write(table);
        if (!verbose)
        {
            foreach (var down in results.Where(r => r.Status == ProbeStatus.Down))
            {
                environment.Out.WriteLine($"{down.Name}: {down.Error}");
            }

            return;
        }

        var matrix = new Table().Border(TableBorder.Simple).Title("Capability matrix");
        matrix.AddColumn("Provider");
        matrix.AddColumn("Class");
        foreach (var capability in ProviderCapabilities.All)
        {
            matrix.AddColumn(new TableColumn(capability.Name()).Centered());
        }

        foreach (var result in results)
        {
            var row = new List<string> { Markup.Escape(result.Name), result.Compliance.Name() };
            row.AddRange(ProviderCapabilities.All.Select(c => result.Capabilities.Contains(c) ? (result.Status == ProbeStatus.Down ? "✗" : "✓") : "-"));
            matrix.AddRow(row.ToArray());
        }

        console.Write(matrix);
        var state = new Table().Border(TableBorder.Simple).Title("Breakers, budgets and errors");
        state.AddColumn("Provider");
        state.AddColumn("Breaker");
        state.AddColumn("Budget headroom (used/limit, window)");
        state.AddColumn("Last error");
        foreach (var result in results)
        {
            var breaker = result.Gate.Breaker;
            state.AddRow(
                Markup.Escape(result.Name),
                Markup.Escape(breaker.State.ToString().ToUpperInvariant() + (breaker.OpenUntil is { } until ? $" until {TimeRange.Format(until.ToUnixTimeMilliseconds())}" : "") + (breaker.Banned ? " (banned)" : "")),
                Markup.Escape(result.Gate.Budget.Count == 0 ? "unlimited" : string.Join(", ", result.Gate.Budget.Select(b => $"{b.Used}/{b.Window.Limit} {b.Window.Key}"))),
                Markup.Escape(result.Error ?? result.Gate.LastError ?? "-"));
        }

        console.Write(state);
    }

    /// <summary>The JSON document (documented in the README).</summary>
    private static string Json(ProviderHost host, IReadOnlyList<ProbeResult> results, Dictionary<string, List<string>> primaries, List<string> primaryDown, DateTimeOffset generated)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("generated_at", TimeRange.Format(generated.ToUnixTimeMilliseconds()));
            w.WriteString("config", host.Config.Source);
            w.WriteStartArray("providers");
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteString("compliance", r.Compliance.Name());
                w.WriteString("status", r.Status.ToString().ToUpperInvariant());
                if (r.LatencyMs is { } ms)
                {
                    w.WriteNumber("latency_ms", ms);
                }
                else
                {
                    w.WriteNull("latency_ms");
                }

                w.WriteString("base_url", host.Config.Providers[r.Name].BaseUrl?.AbsoluteUri);
                w.WriteStartArray("capabilities");
                foreach (var c in r.Capabilities)
                {
                    w.WriteStringValue(c.Name());
                }

                w.WriteEndArray();
                w.WriteNumber("capabilities_available", r.CapabilitiesAvailable);
                w.WriteNumber("capabilities_total", r.Capabilities.Count);
                w.WriteStartArray("primary_of");
                foreach (var dataClass in primaries.GetValueOrDefault(r.Name) ?? [])
                {
                    w.WriteStringValue(dataClass);
                }

                w.WriteEndArray();
                w.WriteStartObject("breaker");
                w.WriteString("state", r.Gate.Breaker.State.ToString().ToUpperInvariant());
                w.WriteBoolean("banned", r.Gate.Breaker.Banned);
                w.WriteString("open_until", r.Gate.Breaker.OpenUntil is { } until ? TimeRange.Format(until.ToUnixTimeMilliseconds()) : null);
                w.WriteNumber("consecutive_failures", r.Gate.Breaker.ConsecutiveFailures);
                w.WriteEndObject();
                w.WriteStartArray("budget");
                foreach (var b in r.Gate.Budget)
                {
                    w.WriteStartObject();
                    w.WriteString("window", b.Window.Key);
                    w.WriteNumber("used", b.Used);
                    w.WriteNumber("limit", b.Window.Limit);
                    w.WriteString("resets_at", TimeRange.Format(b.ResetsAt.ToUnixTimeMilliseconds()));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteString("error", r.Error);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("chains");
            foreach (var chain in host.Config.Chains.Values.OrderBy(c => c.DataClass))
            {
                w.WriteStartObject();
                w.WriteString("data_class", chain.DataClass.Name());
                w.WriteStartArray("providers");
                foreach (var p in chain.Providers)
                {
                    w.WriteStringValue(p);
                }

                w.WriteEndArray();
                w.WriteNumber("max_retries", chain.MaxRetries);
                w.WriteString("retry_delay", Durations.Format(chain.RetryDelay));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("primary_down");
            foreach (var name in primaryDown)
            {
                w.WriteStringValue(name);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

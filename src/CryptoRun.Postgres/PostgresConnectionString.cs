using Npgsql;

namespace CryptoRun.Postgres;

/// <summary>
/// Turns what a user gives (<c>postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?key=value...]</c>, also
/// <c>postgresql://</c>, or an Npgsql connection string) into an Npgsql connection string.
/// Errors name the part that is wrong and never echo a password.
/// </summary>
internal static class PostgresConnectionString
{
    private const string Expected = "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DB or an Npgsql connection string such as Host=...;Username=...;Database=...";

    /// <summary>Parses a URI or a connection string.</summary>
    /// <exception cref="ArgumentException">The input is empty, malformed or lacks a host, user or database.</exception>
    internal static NpgsqlConnectionStringBuilder Parse(string uriOrConnectionString)
    {
        ArgumentNullException.ThrowIfNull(uriOrConnectionString);
        var text = uriOrConnectionString.Trim();
        if (text.Length == 0)
        {
            throw new ArgumentException($"the PostgreSQL address is empty; {Expected}", nameof(uriOrConnectionString));
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var name = text[..scheme];
            if (!name.Equals("postgres", StringComparison.OrdinalIgnoreCase) && !name.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"the PostgreSQL URI scheme '{name}://' is not supported; use postgres:// or postgresql://", nameof(uriOrConnectionString));
            }

            return ParseUri(text);
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(
                $"the PostgreSQL address is neither a postgres:// URI nor a valid Npgsql connection string ({e.Message}); {Expected}",
                nameof(uriOrConnectionString), e);
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException($"the PostgreSQL connection string names no Host; {Expected}", nameof(uriOrConnectionString));
        }

        return builder;
    }

    /// <summary>Where the store lives, for people: <c>postgresql://USER@HOST:PORT/DB</c>, without the password.</summary>
    internal static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        var host = builder.Host ?? "";
        var hostPart = host.Contains(',', StringComparison.Ordinal) || builder.Port == 0 ? host : $"{host}:{builder.Port}";
        var user = string.IsNullOrEmpty(builder.Username) ? "" : Uri.EscapeDataString(builder.Username) + "@";
        var schema = string.IsNullOrEmpty(builder.SearchPath) ? "" : $" (search path {builder.SearchPath})";
        return $"postgresql://{user}{hostPart}/{builder.Database}{schema}";
    }

    private static NpgsqlConnectionStringBuilder ParseUri(string uriOrConnectionString)
    {
        const string Param = nameof(uriOrConnectionString);
        var rest = uriOrConnectionString[(uriOrConnectionString.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var query = "";
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? Unescape(rest[(slash + 1)..], "database") : "";
        if (database.Length == 0)
        {
            throw new ArgumentException($"the PostgreSQL URI names no database (the /DB after the host); {Expected}", Param);
        }

        if (database.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the PostgreSQL URI's database '{database}' contains '/'; {Expected}", Param);
        }

        // The user part ends at the last '@': a password may contain '@' only percent-encoded, but be lenient.
        var at = authority.LastIndexOf('@');
        if (at < 0)
        {
            throw new ArgumentException($"the PostgreSQL URI names no user (USER@ before the host); {Expected}", Param);
        }

        var userInfo = authority[..at];
        var hostPort = authority[(at + 1)..];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Unescape(colon >= 0 ? userInfo[..colon] : userInfo, "user");
        var password = colon >= 0 ? Unescape(userInfo[(colon + 1)..], "password") : null;
        if (user.Length == 0)
        {
            throw new ArgumentException($"the PostgreSQL URI names no user (USER@ before the host); {Expected}", Param);
        }

        string host;
        string? portText = null;
        if (hostPort.StartsWith('['))
        {
            // An IPv6 literal: [::1]:5432.
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException("the PostgreSQL URI's IPv6 host has no closing ']'", Param);
            }

            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                portText = after.StartsWith(':') ? after[1..] : throw new ArgumentException($"the PostgreSQL URI has text after the host: '{after}'", Param);
            }
        }
        else
        {
            var portColon = hostPort.LastIndexOf(':');
            host = portColon >= 0 ? hostPort[..portColon] : hostPort;
            portText = portColon >= 0 ? hostPort[(portColon + 1)..] : null;
        }

        if (host.Length == 0)
        {
            throw new ArgumentException($"the PostgreSQL URI names no host (after USER@); {Expected}", Param);
        }

        var port = 5432;
        if (portText is not null
            && (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ArgumentException($"the PostgreSQL URI's port '{portText}' is not a number from 1 to 65535", Param);
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Unescape(host, "host"),
            Port = port,
            Username = user,
            Database = database,
        };
        if (password is not null)
        {
            builder.Password = password;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Unescape(eq >= 0 ? pair[..eq] : pair, "parameter").Replace('_', ' ');
            var value = eq >= 0 ? Unescape(pair[(eq + 1)..], "parameter") : "";
            try
            {
                builder[key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new ArgumentException($"the PostgreSQL URI parameter '{key}' is not an Npgsql connection setting or has a bad value ({e.Message})", Param, e);
            }
        }

        return builder;
    }

    private static string Unescape(string text, string part)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException e)
        {
            throw new ArgumentException($"the PostgreSQL URI's {part} is not valid percent-encoding", e);
        }
    }
}

using Spectre.Console;

namespace CryptoRun.Cli;

/// <summary>What a command may touch of the outside world: its output, clock, working folder and environment.</summary>
public sealed class CliEnvironment
{
    /// <summary>Creates an environment.</summary>
    /// <param name="output">Standard output; a failed write or flush on it ends the command with exit 5 (<c>cannot write standard output</c>).</param>
    /// <param name="error">Standard error; the same.</param>
    /// <param name="interactive">Whether output is a terminal (progress bars, colours) or plain lines.</param>
    /// <param name="time">The clock.</param>
    /// <param name="workingDirectory">The folder relative paths resolve against.</param>
    /// <param name="variables">The environment variables (a snapshot).</param>
    public CliEnvironment(TextWriter output, TextWriter error, bool interactive, TimeProvider time, string workingDirectory, IReadOnlyDictionary<string, string> variables)
    {
        // A full disk or a closed pipe surfaces as an error naming the stream, told apart from a file a command cannot read.
        Out = new StandardStreamWriter(output, "standard output");
        Error = new StandardStreamWriter(error, "standard error");
        Interactive = interactive;
        TimeProvider = time;
        WorkingDirectory = workingDirectory;
        Variables = variables;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new GuardedConsoleOutput(Out, new AnsiConsoleOutput(output)),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!interactive)
        {
            // Plain output keeps tables readable in files and CI logs.
            Console.Profile.Width = 160;
        }
    }

    /// <summary>Standard output.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Rich output (tables, progress) over <see cref="Out"/>.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Whether output is a terminal.</summary>
    public bool Interactive { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The folder relative paths resolve against.</summary>
    public string WorkingDirectory { get; }

    /// <summary>The environment variables (a snapshot taken at start).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; }

    /// <summary>One environment variable, or null.</summary>
    /// <param name="name">The variable.</param>
    /// <returns>Its value, or null when unset.</returns>
    public string? Variable(string name) => Variables.TryGetValue(name, out var value) ? value : null;

    /// <summary>The process's own environment.</summary>
    /// <returns>Console streams, the system clock, the current folder and the process environment.</returns>
    public static CliEnvironment FromProcess()
        => new(
            System.Console.Out,
            System.Console.Error,
            !System.Console.IsOutputRedirected,
            TimeProvider.System,
            Directory.GetCurrentDirectory(),
            Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal));

    /// <summary>Spectre's output over the guarded writer; terminal size and kind still read from the writer underneath (the real console's).</summary>
    private sealed class GuardedConsoleOutput(TextWriter guarded, AnsiConsoleOutput underneath) : IAnsiConsoleOutput
    {
        public TextWriter Writer => guarded;

        public bool IsTerminal => underneath.IsTerminal;

        public int Width => underneath.Width;

        public int Height => underneath.Height;

        public void SetEncoding(System.Text.Encoding encoding) => underneath.SetEncoding(encoding);
    }

    /// <summary>Resolves a path against <see cref="WorkingDirectory"/>.</summary>
    /// <param name="path">A relative or absolute path.</param>
    /// <returns>The absolute path.</returns>
    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);
}

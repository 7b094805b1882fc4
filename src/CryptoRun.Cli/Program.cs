using CryptoRun.Cli;

return await CliApp.RunAsync(args, CliEnvironment.FromProcess());

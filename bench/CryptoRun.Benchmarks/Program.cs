using BenchmarkDotNet.Running;
using CryptoRun.Benchmarks;

// The PostgreSQL benchmark needs a server; without one it is left out (and says so) rather than failing the run.
var types = typeof(Program).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)))
    .Where(t => t != typeof(PostgresUpsertBenchmarks) || PostgresUpsertBenchmarks.Server is not null)
    .ToArray();
if (PostgresUpsertBenchmarks.Server is null)
{
    Console.WriteLine("PostgresUpsertBenchmarks not run: set CRYPTORUN_BENCH_POSTGRES (or CRYPTORUN_TEST_POSTGRES) to a postgres:// URI");
}

BenchmarkSwitcher.FromTypes(types).Run(args);

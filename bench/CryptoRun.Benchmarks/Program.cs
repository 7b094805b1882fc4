using BenchmarkDotNet.Running;
using CryptoRun.Benchmarks;

// Issue 4's year backfill runs minutes of real time once, outside BenchmarkDotNet.
if (args is ["backfill-year"])
{
    return await YearBackfill.RunAsync();
}

// Issue 5's loopback latency and 10-million-message memory runs, outside BenchmarkDotNet too.
if (args is ["stream-latency"])
{
    return await StreamLatency.RunAsync();
}

if (args is ["stream-memory"])
{
    return StreamMemory.Run();
}

// The PostgreSQL benchmark needs a server; without one it is left out (and says so) rather than failing the run.
var types = typeof(BenchData).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)))
    .Where(t => t != typeof(PostgresUpsertBenchmarks) || PostgresUpsertBenchmarks.Server is not null)
    .ToArray();
if (PostgresUpsertBenchmarks.Server is null)
{
    Console.WriteLine("PostgresUpsertBenchmarks not run: set CRYPTORUN_BENCH_POSTGRES (or CRYPTORUN_TEST_POSTGRES) to a postgres:// URI");
}

BenchmarkSwitcher.FromTypes(types).Run(args);
return 0;

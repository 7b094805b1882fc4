using Xunit.Abstractions;
using Xunit.Sdk;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// The PostgreSQL server the tests may use: a <c>postgres://USER@HOST:PORT/DB</c> URI (or Npgsql
/// connection string) in <c>CRYPTORUN_TEST_POSTGRES</c>. Tests create and drop their own schemas in it.
/// .ci/run starts a throwaway cluster and sets the variable; without it, PostgreSQL tests are skipped.
/// </summary>
internal static class TestPostgres
{
    internal const string Variable = "CRYPTORUN_TEST_POSTGRES";

    internal static string? Address => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    internal static string? SkipReason => Address is null
        ? $"{Variable} is not set: no PostgreSQL server to test against (.ci/run starts one; or export {Variable}=postgres://USER@HOST:PORT/DB)"
        : null;
}

/// <summary>A fact that needs the PostgreSQL server of <c>CRYPTORUN_TEST_POSTGRES</c>: skipped, with the reason, when it is unset.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestPostgres.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs the PostgreSQL server of <c>CRYPTORUN_TEST_POSTGRES</c>: skipped, with the reason, when it is unset.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (TestPostgres.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Marks a test class whose tests (including inherited contract facts) need the PostgreSQL server.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

/// <summary>
/// A fact of a shared contract (an abstract test class run by several concrete ones): skipped, with the
/// reason, in a concrete class marked <see cref="RequiresPostgresAttribute"/> when no server is configured.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("CryptoRun.Tests.TestSupport.ContractFactDiscoverer", "CryptoRun.Tests")]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>The theory form of <see cref="ContractFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("CryptoRun.Tests.TestSupport.ContractTheoryDiscoverer", "CryptoRun.Tests")]
public sealed class ContractTheoryAttribute : TheoryAttribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
        => ContractSkip.Reason(testMethod) is { } reason
            ? [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, factAttribute);
}

public sealed class ContractTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
        => ContractSkip.Reason(testMethod) is { } reason
            ? [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason)]
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

internal static class ContractSkip
{
    internal static string? Reason(ITestMethod testMethod)
        => testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any() ? TestPostgres.SkipReason : null;
}

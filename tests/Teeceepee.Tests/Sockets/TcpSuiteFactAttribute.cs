namespace Teeceepee.Tests.Sockets;

/// <summary>
/// A test of the shared socket suite. Each test project that compiles the suite defines it: here
/// (MemoryLink) it always runs; the integration tests' version skips where network tests cannot run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TcpSuiteFactAttribute : FactAttribute
{
}

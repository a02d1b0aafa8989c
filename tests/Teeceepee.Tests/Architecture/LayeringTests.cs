using System.Reflection;
using NetArchTest.Rules;
using Teeceepee.Links;
using Teeceepee.Stack;

namespace Teeceepee.Tests.Architecture;

/// <summary>
/// The one direction of dependencies (DESIGN §3 rule 1, docs/architecture.md "Layers"), checked on
/// the compiled assemblies: Wire ← Tcp, Udp ← Stack ← Sockets ← (Dns, Dhcp, Http, AspNetCore) ← Cli;
/// Links → Interop; Stack sees links only as <see cref="ILink"/>. One test per rule; a failure lists
/// the types that break it.
/// </summary>
public class LayeringTests
{
    private const string Root = "Teeceepee";
    private const string Wire = "Teeceepee.Wire";
    private const string Tcp = "Teeceepee.Tcp";
    private const string Udp = "Teeceepee.Udp";
    private const string Links = "Teeceepee.Links";
    private const string Interop = "Teeceepee.Interop";
    private const string Stack = "Teeceepee.Stack";
    private const string Loop = "Teeceepee.Stack.Loop";
    private const string Sockets = "Teeceepee.Sockets";
    private const string Dns = "Teeceepee.Dns";
    private const string Dhcp = "Teeceepee.Dhcp";
    private const string Http = "Teeceepee.Http";
    private const string AspNetCore = "Teeceepee.AspNetCore";
    private const string Cli = "Teeceepee.Cli";

    private static readonly Assembly s_library = typeof(NetworkStack).Assembly;
    private static readonly Assembly s_aspNetCore = typeof(Teeceepee.AspNetCore.TeeceepeeTransportOptions).Assembly;

    [Fact]
    public void Wire_DependsOnNothing() =>
        AssertNoDependency(InNamespace(Wire), Tcp, Udp, Links, Interop, Stack, Sockets, Dns, Dhcp, Http, AspNetCore, Cli, Root + ".Instant");

    [Fact]
    public void Tcp_DependsOnlyOnWire() =>
        AssertNoDependency(InNamespace(Tcp), Udp, Links, Interop, Stack, Sockets, Dns, Dhcp, Http, AspNetCore, Cli);

    [Fact]
    public void Tcp_KnowsNoClock() =>
        AssertNoDependency(InNamespace(Tcp), "System.TimeProvider", "System.DateTime", "System.DateTimeOffset",
            "System.Diagnostics.Stopwatch", "System.Environment", "System.Threading.PeriodicTimer", "System.Threading.Timer");

    [Fact]
    public void Tcp_KnowsNoThreadsOrIO() =>
        AssertNoDependency(InNamespace(Tcp), "System.Threading.Thread", "System.Threading.ThreadPool", "System.Threading.Tasks",
            "System.Threading.Monitor", "System.Threading.Lock", "System.Threading.Interlocked", "System.Threading.Volatile",
            "System.IO", "System.Net.Sockets.Socket", "System.Console", "System.Runtime.InteropServices.DllImportAttribute",
            "System.Runtime.InteropServices.LibraryImportAttribute", "System.Runtime.InteropServices.Marshal");

    [Fact]
    public void Udp_DependsOnlyOnWire() =>
        AssertNoDependency(InNamespace(Udp), Tcp, Links, Interop, Stack, Sockets, Dns, Dhcp, Http, AspNetCore, Cli);

    [Fact]
    public void Stack_DoesNotDependOnSocketsOrAbove() =>
        AssertNoDependency(InNamespace(Stack), Sockets, Dns, Dhcp, Http, AspNetCore, Cli);

    [Fact]
    public void Stack_SeesLinksOnlyThroughILink()
    {
        // Every concrete link and middleware: the stack may know the interface and its data types only.
        var concrete = s_library.GetTypes()
            .Where(t => t.Namespace == Links && t.IsClass && typeof(ILink).IsAssignableFrom(t))
            .Select(t => t.FullName!)
            .ToArray();
        Assert.Contains(typeof(TapLink).FullName!, concrete);
        AssertNoDependency(InNamespace(Stack), concrete);
    }

    [Fact]
    public void Sockets_DoesNotDependOnDnsDhcpHttpOrAbove() =>
        AssertNoDependency(InNamespace(Sockets), Dns, Dhcp, Http, AspNetCore, Cli);

    [Fact]
    public void DnsDhcpAndHttp_DependOnSocketsNotOnEachOtherUpward()
    {
        // Peers above Sockets; the HTTP adapter may resolve through Dns, nothing points back at it.
        AssertNoDependency(InNamespace(Dns), Dhcp, Http, AspNetCore, Cli);
        AssertNoDependency(InNamespace(Dhcp), Http, AspNetCore, Cli);
        AssertNoDependency(InNamespace(Http), Dhcp, AspNetCore, Cli);
    }

    [Fact]
    public void AspNetCore_DoesNotDependOnCli() =>
        AssertNoDependency(Types.InAssembly(s_aspNetCore), Cli);

    [Fact]
    public void Links_DependOnlyOnInteropAndWire() =>
        AssertNoDependency(InNamespace(Links), Tcp, Udp, Stack, Sockets, Dns, Dhcp, Http, AspNetCore, Cli);

    [Fact]
    public void Interop_DependsOnNothing() =>
        AssertNoDependency(InNamespace(Interop), Wire, Tcp, Udp, Links, Stack, Sockets, Dns, Dhcp, Http, AspNetCore, Cli);

    [Fact]
    public void Interop_IsUsedOnlyByLinksAndTheLoopRunner()
    {
        var offenders = Types.InAssembly(s_library)
            .That().DoNotResideInNamespace(Interop)
            .And().DoNotResideInNamespace(Links)
            .And().DoNotResideInNamespace(Loop);
        AssertNoDependency(offenders, Interop);
    }

    private static PredicateList InNamespace(string ns) =>
        Types.InAssembly(s_library).That().ResideInNamespace(ns);

    private static void AssertNoDependency(PredicateList types, params string[] forbidden) =>
        AssertResult(types.ShouldNot().HaveDependencyOnAny(forbidden).GetResult(), forbidden);

    private static void AssertNoDependency(Types types, params string[] forbidden) =>
        AssertResult(types.ShouldNot().HaveDependencyOnAny(forbidden).GetResult(), forbidden);

    private static void AssertResult(TestResult result, string[] forbidden)
    {
        var failing = result.FailingTypeNames ?? [];
        Assert.True(result.IsSuccessful,
            $"types depending on {string.Join(", ", forbidden)}:\n  " + string.Join("\n  ", failing.Order(StringComparer.Ordinal)));
    }
}

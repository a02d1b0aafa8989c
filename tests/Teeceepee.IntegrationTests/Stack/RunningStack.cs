using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>A started <see cref="NetworkStack"/> at 198.18.0.2/24 on a test network's link, with its trace kept for failure messages.</summary>
internal sealed class RunningStack : IAsyncDisposable
{
    public static readonly IPv4Address Kernel = IPv4Address.FromIPAddress(TestNetwork.KernelAddress);
    public static readonly IPv4Address Self = IPv4Address.FromIPAddress(TestNetwork.StackAddress);

    private readonly List<string> _trace = [];

    /// <param name="net">The network whose link the stack runs on.</param>
    /// <param name="configure">Changes to the default options.</param>
    /// <param name="wrap">Middleware around the network's link (faults, recorders); the network still disposes the link.</param>
    public RunningStack(TestNetwork net, Func<NetworkStackOptions, NetworkStackOptions>? configure = null, Func<ILink, ILink>? wrap = null)
    {
        var options = new NetworkStackOptions
        {
            Address = Self,
            PrefixLength = TestNetwork.PrefixLength,
            Trace = line =>
            {
                lock (_trace)
                    _trace.Add(line);
            },
        };
        Stack = new NetworkStack(wrap is null ? net.Link : wrap(net.Link), configure is null ? options : configure(options));
        Stack.Start();
    }

    public NetworkStack Stack { get; }

    /// <summary>The trace so far, for assertion messages.</summary>
    public string Trace
    {
        get
        {
            lock (_trace)
                return string.Join('\n', _trace.TakeLast(60));
        }
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

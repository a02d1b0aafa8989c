using System.Diagnostics;
using Teeceepee.Interop;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Wire;

/// <summary>
/// A private network namespace whose kernel owns 198.18.5.1/24 on a TAP device; the test holds the
/// TAP fd and plays 198.18.5.2 with hand-built frames. Created inside the namespace, so the root
/// namespace is never touched; deleted on dispose.
/// </summary>
public sealed class KernelPeer : IDisposable
{
    public static readonly IPv4Address KernelAddress = IPv4Address.Parse("198.18.5.1");
    public static readonly IPv4Address OurAddress = IPv4Address.Parse("198.18.5.2");
    public static readonly MacAddress OurMac = MacAddress.Parse("02:00:00:00:05:02");

    private static int s_count;

    public KernelPeer() : this(ipv6: false) { }

    /// <summary>A fresh namespace with tap0 up; IPv6 stays off unless <paramref name="ipv6"/> (then see <see cref="AddIPv6"/>).</summary>
    public KernelPeer(bool ipv6)
    {
        Namespace = $"l23k-{Environment.ProcessId}-{Interlocked.Increment(ref s_count)}";
        Ip($"netns add {Namespace}");
        try
        {
            if (!ipv6)
                Exec("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
            Link = NetworkNamespace.Run($"/run/netns/{Namespace}", () => new TapLink("tap0", offloads: false));
            Ip($"-n {Namespace} addr add {KernelAddress}/24 dev tap0");
            Ip($"-n {Namespace} link set tap0 up");
            Ip($"-n {Namespace} link set lo up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    public TapLink Link { get; } = null!;

    /// <summary>Gives the kernel side <paramref name="address"/>/64 on tap0 without duplicate address detection.</summary>
    public void AddIPv6(IPv6Address address) => Ip($"-n {Namespace} addr add {address}/64 dev tap0 nodad");

    /// <summary>Tells the kernel our IPv6 address's MAC so that it does not need to solicit it.</summary>
    public void AddIPv6Neighbour(IPv6Address address) => Ip($"-n {Namespace} -6 neigh replace {address} lladdr {OurMac} dev tap0");

    /// <summary>Tells the kernel our MAC so that it does not need to ask.</summary>
    public void AddNeighbour() => Ip($"-n {Namespace} neigh replace {OurAddress} lladdr {OurMac} dev tap0");

    /// <summary>The kernel's MAC address on the TAP device.</summary>
    public MacAddress KernelMac
    {
        get
        {
            string text = Run("ip", $"-n {Namespace} -o link show tap0");
            int at = text.IndexOf("link/ether ", StringComparison.Ordinal) + "link/ether ".Length;
            return MacAddress.Parse(text.Substring(at, 17));
        }
    }

    public void Send(ReadOnlySpan<byte> frame) => Assert.True(Link.TrySend(default, frame), "TAP write failed");

    /// <summary>Waits up to 3 s for a frame the predicate accepts; other frames are dropped.</summary>
    public byte[] Receive(Func<byte[], bool> accept)
    {
        var buffer = new byte[65536];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            if (Link.TryReceive(default, buffer, out int length))
            {
                var frame = buffer.AsSpan(0, length).ToArray();
                if (accept(frame))
                    return frame;
                continue;
            }
            Thread.Sleep(2);
        }
        throw new TimeoutException("The kernel sent no matching frame within 3 s.");
    }

    /// <summary>Runs a command inside the namespace and returns its output.</summary>
    public string Exec(string command) => Run("ip", $"netns exec {Namespace} {command}");

    public void Dispose()
    {
        Link?.Dispose();
        Run("ip", $"netns del {Namespace}", check: false);
    }

    private static void Ip(string arguments) => Run("ip", arguments);

    private static string Run(string file, string arguments, bool check = true)
    {
        using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments}: exit {p.ExitCode}: {error}");
        return output;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Teeceepee.Interop;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>
/// A private network for one test: a fresh network namespace (named prefix-pid-counter) whose kernel
/// is the peer at 198.18.0.1/24, and an open link for the stack under test (198.18.0.2 by convention).
/// Everything it creates (namespaces, devices, processes) goes away on dispose, also after a failed test.
/// </summary>
/// <example>
/// <code>
/// using var net = TestNetwork.CreateTap("tcp");            // or CreateTun, CreateVeth
/// ILink link = net.Link;                                    // TapLink, already attached
/// using var server = net.StartProcess("python3 -m http.server 8080 --bind 198.18.0.1");
/// await net.WaitForTcpListenerAsync(8080, TimeSpan.FromSeconds(10));
/// var result = await net.RunAsync("curl -s http://198.18.0.2:80/", TimeSpan.FromSeconds(10));
/// </code>
/// </example>
public sealed class TestNetwork : IDisposable, IAsyncDisposable
{
    /// <summary>The kernel peer's address.</summary>
    public static readonly IPAddress KernelAddress = IPAddress.Parse("198.18.0.1");

    /// <summary>The address tests give the stack under test (the network is 198.18.0.0/24).</summary>
    public static readonly IPAddress StackAddress = IPAddress.Parse("198.18.0.2");

    /// <summary>Prefix length of the test subnet.</summary>
    public const int PrefixLength = 24;

    internal const string MarkerDirectory = "/run/teeceepee-testnet";
    private static int s_counter;
    private static int s_reaped;
    private readonly List<NamespaceProcess> _processes = [];
    private readonly List<string> _namespaces = [];
    private bool _disposed;

    private TestNetwork(TestNetworkKind kind, string prefix)
    {
        Kind = kind;
        int n = Interlocked.Increment(ref s_counter);
        int pid = Environment.ProcessId;
        Namespace = $"{prefix}-{pid}-{n}";
        string tag = string.Create(CultureInfo.InvariantCulture, $"{pid}-{n}");
        StackDevice = kind == TestNetworkKind.Veth ? "va" + tag : "t" + tag;
        KernelDevice = kind == TestNetworkKind.Veth ? "vb" + tag : StackDevice;
        if (kind == TestNetworkKind.Veth)
            StackNamespace = Namespace + "-s";
    }

    /// <summary>Why network tests cannot run here (not root, no iproute2, no /dev/net/tun), or null.</summary>
    public static string? UnavailableReason { get; } = ComputeUnavailableReason();

    /// <summary>The link kind.</summary>
    public TestNetworkKind Kind { get; }

    /// <summary>The namespace of the kernel peer (198.18.0.1); <see cref="Exec"/> and friends run here.</summary>
    public string Namespace { get; }

    /// <summary>Veth only: the namespace holding the stack's interface (no address; the raw socket was made inside it).</summary>
    public string? StackNamespace { get; }

    /// <summary>The stack's device: the TAP/TUN name, or the veth end the raw socket is bound to.</summary>
    public string StackDevice { get; }

    /// <summary>The kernel peer's device in <see cref="Namespace"/> (the TAP/TUN itself, or the other veth end).</summary>
    public string KernelDevice { get; }

    /// <summary>The open link for the stack under test (<see cref="TapLink"/>, <see cref="TunLink"/> or <see cref="RawSocketLink"/>); disposed with the network.</summary>
    public ILink Link { get; private set; } = null!;

    /// <summary>The kernel peer device's MAC (null for TUN).</summary>
    public MacAddress? KernelMac { get; private set; }

    /// <summary>The MTU configured on both sides.</summary>
    public int Mtu { get; private set; }

    /// <summary>
    /// A namespace whose kernel side is a TAP device at 198.18.0.1/24: the test opens the TAP in the root
    /// namespace (so the fd is this process's), moves the device into the new namespace and configures it there.
    /// </summary>
    public static TestNetwork CreateTap(string prefix = "tn", int mtu = 1500) => Create(TestNetworkKind.Tap, prefix, mtu);

    /// <summary>As <see cref="CreateTap"/> with the TAP opened with offloads (virtio-net header, checksum and TSO4: <see cref="TapLink"/>'s <c>offloads</c>).</summary>
    public static TestNetwork CreateTapWithOffloads(string prefix = "tn", int mtu = 1500) => Create(TestNetworkKind.Tap, prefix, mtu, tapOffloads: true);

    /// <summary>As <see cref="CreateTap"/> with a TUN device (bare IP, no ARP).</summary>
    public static TestNetwork CreateTun(string prefix = "tn", int mtu = 1500) => Create(TestNetworkKind.Tun, prefix, mtu);

    /// <summary>
    /// Two namespaces joined by a veth pair: the stack's end (no address) in <see cref="StackNamespace"/> with a
    /// <see cref="RawSocketLink"/> created inside it, the kernel peer at 198.18.0.1/24 on the other end in
    /// <see cref="Namespace"/>. The peer's checksum and segmentation offloads are off so every frame is complete.
    /// </summary>
    /// <param name="prefix">Namespace name prefix.</param>
    /// <param name="mtu">MTU of both veth ends.</param>
    /// <param name="disableOffloads">False keeps the kernel's checksum/segmentation offloads (what a raw link meets on a default veth).</param>
    public static TestNetwork CreateVeth(string prefix = "tn", int mtu = 1500, bool disableOffloads = true) =>
        Create(TestNetworkKind.Veth, prefix, mtu, disableOffloads);

    /// <summary>Creates a network of the given kind.</summary>
    public static TestNetwork Create(TestNetworkKind kind, string prefix = "tn", int mtu = 1500, bool disableOffloads = true, bool tapOffloads = false)
    {
        if (UnavailableReason is { } reason)
            throw new InvalidOperationException("Network tests cannot run: " + reason);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (prefix.Length > 16 || prefix.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            throw new ArgumentException("Use a short prefix of letters, digits and '-'.", nameof(prefix));
        ReapStale();
        var net = new TestNetwork(kind, prefix) { Mtu = mtu };
        try
        {
            net.Build(mtu, disableOffloads, tapOffloads);
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private void Build(int mtu, bool disableOffloads, bool tapOffloads)
    {
        AddNamespace(Namespace);
        string mtuText = mtu.ToString(CultureInfo.InvariantCulture);
        switch (Kind)
        {
            case TestNetworkKind.Tap:
            case TestNetworkKind.Tun:
                // Opened in the root namespace: the fd stays ours and keeps working after the move.
                Link = Kind == TestNetworkKind.Tap ? new TapLink(StackDevice, mtu, tapOffloads) : new TunLink(StackDevice, mtu);
                Host("ip", "link", "set", StackDevice, "netns", Namespace);
                Host("ip", "-n", Namespace, "link", "set", KernelDevice, "mtu", mtuText);
                Host("ip", "-n", Namespace, "addr", "add", $"{KernelAddress}/{PrefixLength}", "dev", KernelDevice);
                Host("ip", "-n", Namespace, "link", "set", KernelDevice, "up");
                break;
            case TestNetworkKind.Veth:
                AddNamespace(StackNamespace!);
                Host("ip", "link", "add", StackDevice, "netns", StackNamespace!, "mtu", mtuText, "type", "veth",
                    "peer", "name", KernelDevice, "netns", Namespace, "mtu", mtuText);
                Host("ip", "-n", Namespace, "addr", "add", $"{KernelAddress}/{PrefixLength}", "dev", KernelDevice);
                Host("ip", "-n", StackNamespace!, "link", "set", StackDevice, "up");
                Host("ip", "-n", Namespace, "link", "set", KernelDevice, "up");
                // Complete checksums and MTU-sized frames from the kernel peer: a raw socket sees skbs as they are.
                if (disableOffloads)
                {
                    TryHost("ip", "netns", "exec", Namespace, "ethtool", "-K", KernelDevice, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
                    TryHost("ip", "netns", "exec", StackNamespace!, "ethtool", "-K", StackDevice, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
                }
                Link = NetworkNamespace.Run(NamespacePath(StackNamespace!), () => new RawSocketLink(StackDevice, mtu));
                break;
        }
        if (Kind != TestNetworkKind.Tun)
            KernelMac = ReadMac(Namespace, KernelDevice);
    }

    /// <summary>Runs <paramref name="command"/> (sh syntax) in the peer namespace; throws with its output unless it exits 0; returns stdout.</summary>
    public string Exec(string command, TimeSpan? timeout = null) =>
        Run(Namespace, command, timeout ?? TimeSpan.FromSeconds(30)).EnsureSuccess().StandardOutput;

    /// <summary>Runs <paramref name="command"/> in the peer namespace, returning its exit code and output (a time-out kills it and throws <see cref="TimeoutException"/>).</summary>
    public Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RunAsync(Namespace, command, timeout, cancellationToken);

    /// <summary>Runs <paramref name="command"/> in the namespace <paramref name="namespaceName"/> (e.g. <see cref="StackNamespace"/>).</summary>
    public async Task<CommandResult> RunAsync(string namespaceName, string command, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var process = new NamespaceProcess(command, StartInfo(namespaceName, command));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.Process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{command}' in {namespaceName} did not finish within {timeout}. Output:\n{process.Output}");
        }
        process.Process.WaitForExit(); // drains the asynchronous output readers
        return new CommandResult(command, process.Process.ExitCode, process.StandardOutput, process.StandardError);
    }

    /// <summary>Starts a long-running <paramref name="command"/> in the peer namespace (or <paramref name="namespaceName"/>); killed on dispose.</summary>
    public NamespaceProcess StartProcess(string command, string? namespaceName = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var process = new NamespaceProcess(command, StartInfo(namespaceName ?? Namespace, command));
        lock (_processes)
            _processes.Add(process);
        return process;
    }

    /// <summary>Waits until a TCP socket listens on <paramref name="port"/> in the peer namespace.</summary>
    public async Task WaitForTcpListenerAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string sport = port.ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var result = await RunAsync($"ss -Htln 'sport = :{sport}'", TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (result.Succeeded && result.StandardOutput.Contains("LISTEN", StringComparison.Ordinal))
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Nothing listens on TCP port {port} in {Namespace} after {timeout}.");
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="action"/> on a thread inside <paramref name="namespaceName"/> (sockets made there stay there).</summary>
    public static T InNamespace<T>(string namespaceName, Func<T> action) => NetworkNamespace.Run(NamespacePath(namespaceName), action);

    /// <summary>Kills started processes, closes the link and deletes the namespaces (and with them every device in them).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        lock (_processes)
        {
            foreach (var process in _processes)
                process.Dispose();
            _processes.Clear();
        }
        // Closing a TAP/TUN fd we created deletes the device wherever it is now.
        Link?.Dispose();
        foreach (var ns in _namespaces)
        {
            TryHost("ip", "netns", "del", ns);
            try
            {
                File.Delete(Path.Combine(MarkerDirectory, ns));
            }
            catch (IOException)
            {
            }
        }
        // A device still in the root namespace (a move that failed) goes too; ours are uniquely named.
        if (Kind != TestNetworkKind.Veth && NetDevice.Exists(StackDevice))
            TryHost("ip", "link", "del", StackDevice);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind} network {Namespace} ({StackDevice} <-> {KernelDevice})";

    private void AddNamespace(string name)
    {
        Directory.CreateDirectory(MarkerDirectory);
        File.WriteAllText(Path.Combine(MarkerDirectory, name), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Host("ip", "netns", "add", name);
        _namespaces.Add(name);
        // Quiet namespaces: no IPv6 (router solicitations, MLD, DAD) on the wire the tests read.
        TryHost("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        TryHost("ip", "-n", name, "link", "set", "lo", "up");
    }

    /// <summary>Deletes namespaces left by earlier test processes that died before cleaning up (marker files name their pid).</summary>
    internal static void ReapStale(bool again = false)
    {
        if ((Interlocked.Exchange(ref s_reaped, 1) != 0 && !again) || !Directory.Exists(MarkerDirectory))
            return;
        foreach (var marker in Directory.GetFiles(MarkerDirectory))
        {
            try
            {
                if (!int.TryParse(File.ReadAllText(marker), CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId)
                    continue;
                if (Directory.Exists($"/proc/{pid}"))
                    continue;
                TryHost("ip", "netns", "del", Path.GetFileName(marker));
                File.Delete(marker);
            }
            catch (IOException)
            {
            }
        }
    }

    private static MacAddress? ReadMac(string ns, string device)
    {
        string json = Host("ip", "-n", ns, "-j", "link", "show", "dev", device);
        using var doc = JsonDocument.Parse(json);
        var address = doc.RootElement[0].GetProperty("address").GetString();
        return MacAddress.TryParse(address, out var mac) ? mac : null;
    }

    private static string NamespacePath(string ns) => "/run/netns/" + ns;

    /// <summary><c>ip netns exec NS sh -c COMMAND</c> with its output and input redirected.</summary>
    internal static ProcessStartInfo StartInfo(string ns, string command)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", ns, "sh", "-c", command })
            info.ArgumentList.Add(arg);
        return info;
    }

    private static CommandResult Run(string ns, string command, TimeSpan timeout)
    {
        using var process = new NamespaceProcess(command, StartInfo(ns, command));
        if (!process.Process.WaitForExit(timeout))
            throw new TimeoutException($"'{command}' in {ns} did not finish within {timeout}. Output:\n{process.Output}");
        process.Process.WaitForExit();
        return new CommandResult(command, process.Process.ExitCode, process.StandardOutput, process.StandardError);
    }

    private static string Host(params string[] args)
    {
        var result = HostRun(args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"'{string.Join(' ', args)}' failed ({result.ExitCode}): {result.StandardError.Trim()}");
        return result.StandardOutput;
    }

    private static bool TryHost(params string[] args) => HostRun(args).ExitCode == 0;

    private static CommandResult HostRun(string[] args)
    {
        var info = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args.AsSpan(1))
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            return new CommandResult(string.Join(' ', args), -1, stdout, "timed out");
        }
        return new CommandResult(string.Join(' ', args), process.ExitCode, stdout, stderr.Result);
    }

    private static string? ComputeUnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
            return "network tests need Linux.";
        if (Libc.GetEUid() != 0)
            return "network tests need root (network namespaces, TAP devices): run them as root, e.g. sudo scripts/test.sh.";
        if (!File.Exists("/dev/net/tun"))
            return "network tests need /dev/net/tun (modprobe tun).";
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") && !File.Exists("/bin/ip"))
            return "network tests need iproute2 ('ip'): scripts/setup.sh installs it.";
        return null;
    }
}

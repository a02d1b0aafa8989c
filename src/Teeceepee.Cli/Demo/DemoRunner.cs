using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Demo;

/// <summary>
/// The self-contained demo: a private namespace whose kernel side (198.18.0.1/24 and fd00:X::1/64, a random
/// fd00::/48 per run, on the TAP) runs this CLI's kernel-mode web server, and pings and fetches of its page
/// through the stack on the TAP (198.18.0.2/24 and fd00:X::2/64) over IPv4 and IPv6, printed with the stack's
/// trace of the handshakes and teardowns. Everything it creates is removed on every path, Ctrl+C included.
/// </summary>
internal sealed class DemoRunner
{
    private static readonly IPAddress s_kernelAddress = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress s_stackAddress = IPAddress.Parse("198.18.0.2");

    private readonly CliContext _context;
    private readonly LinkOptions _middleware;
    private readonly string _ip;
    private readonly string _namespace;
    private readonly string _tap;
    private readonly List<Func<Task>> _cleanup = [];

    /// <param name="context">Output and the network factory.</param>
    /// <param name="middleware">Fault, pcap, MTU and trace options for the stack's link.</param>
    /// <param name="ip">Path of the ip command.</param>
    public DemoRunner(CliContext context, LinkOptions middleware, string ip)
    {
        _context = context;
        _middleware = middleware;
        _ip = ip;
        string suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        int pid = Environment.ProcessId % 100000;
        _namespace = $"tcpdemo-{pid}-{suffix}";
        _tap = $"tcpd{pid}{suffix}";
        // A random /48 under fd00::/8 (RFC 4193) per run, so two demos never share addresses.
        var prefix = RandomNumberGenerator.GetBytes(5);
        string net6 = $"fd{prefix[0]:x2}:{prefix[1]:x2}{prefix[2]:x2}:{prefix[3]:x2}{prefix[4]:x2}";
        _kernelAddress6 = IPAddress.Parse($"{net6}::1");
        _stackAddress6 = IPAddress.Parse($"{net6}::2");
    }

    private readonly IPAddress _kernelAddress6;
    private readonly IPAddress _stackAddress6;

    /// <summary>The namespace this run uses (tests check that it is gone afterwards).</summary>
    public string NamespaceName => _namespace;

    /// <summary>Runs the demo; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var output = _context.Out;
        try
        {
            await output.WriteLineAsync($"demo: namespace {_namespace}, TAP {_tap}: stack 198.18.0.2/24 {_stackAddress6}/64 <-> kernel 198.18.0.1/24 {_kernelAddress6}/64").ConfigureAwait(false);
            await Ip(cancellationToken, "netns", "add", _namespace).ConfigureAwait(false);
            _cleanup.Add(() => IpQuiet("netns", "delete", _namespace));

            var trace = new TraceCollector(_middleware.Verbose ? _context.Error : null);
            var link = _middleware with
            {
                Kind = LinkKind.Tap,
                Device = _tap,
                Address = s_stackAddress,
                PrefixLength = 24,
                Gateway = s_kernelAddress,
                Address6 = _stackAddress6,
                PrefixLength6 = 64,
                Verbose = true,
                TraceFrames = true,
            };
            // The stack opens (creates) the TAP here, then its kernel side moves into the namespace;
            // the open descriptor keeps working across the move.
            var network = await _context.Networks.CreateAsync(link, trace, cancellationToken).ConfigureAwait(false);
            _cleanup.Add(async () =>
            {
                await network.DisposeAsync().ConfigureAwait(false);
                await IpQuiet("-n", _namespace, "link", "delete", _tap).ConfigureAwait(false);
            });

            await Ip(cancellationToken, "link", "set", _tap, "netns", _namespace).ConfigureAwait(false);
            await Ip(cancellationToken, "-n", _namespace, "link", "set", "lo", "up").ConfigureAwait(false);
            await Ip(cancellationToken, "-n", _namespace, "addr", "add", "198.18.0.1/24", "dev", _tap).ConfigureAwait(false);
            // nodad: the kernel's address is usable at once (the stack already ran its own DAD).
            await Ip(cancellationToken, "-n", _namespace, "addr", "add", $"{_kernelAddress6}/64", "dev", _tap, "nodad").ConfigureAwait(false);
            await Ip(cancellationToken, "-n", _namespace, "link", "set", _tap, "up").ConfigureAwait(false);

            string site = Directory.CreateTempSubdirectory("teeceepee-demo-").FullName;
            _cleanup.Add(() =>
            {
                Directory.Delete(site, recursive: true);
                return Task.CompletedTask;
            });
            await File.WriteAllTextAsync(Path.Combine(site, "index.html"), Page(), cancellationToken).ConfigureAwait(false);

            var server = await StartServerAsync(site, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"demo: kernel web server (teeceepee serve --kernel) running in the namespace, pid {server.Id}").ConfigureAwait(false);

            int code = ExitCodes.Ok;
            foreach (var (kernel, url) in new[] { (s_kernelAddress, "http://198.18.0.1/"), (_kernelAddress6, $"http://[{_kernelAddress6}]/") })
            {
                string family = kernel.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                await output.WriteLineAsync($"demo: ping {kernel} through the stack ({family})").ConfigureAwait(false);
                var ping = new PingSession((seq, size, wait, ct) => network.PingAsync(kernel, seq, size, wait, ct), output);
                await ping.RunAsync(kernel.ToString(), kernel, new PingOptions { Count = 3, Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(3) }, cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();

                await output.WriteLineAsync($"demo: GET {url} through the stack ({family})").ConfigureAwait(false);
                await output.WriteLineAsync("----- response -----").ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                var fetched = new MemoryStream();
                var options = new CurlOptions { Url = new Uri(url), IncludeHeaders = true, MaxTime = TimeSpan.FromSeconds(20), Silent = true };
                int fetchCode = await new CurlRunner(network, options, fetched).RunAsync(cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(Encoding.UTF8.GetString(fetched.ToArray())).ConfigureAwait(false);
                if (code == ExitCodes.Ok)
                    code = fetchCode;
            }

            // Let the teardown (FIN exchange) reach the trace before printing it.
            await Task.Delay(300, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync("----- trace: handshake and teardown -----").ConfigureAwait(false);
            var lines = SelectTrace(trace.Lines);
            if (lines.Count == 0)
                await output.WriteLineAsync("(the stack reported no trace lines)").ConfigureAwait(false);
            foreach (var line in lines)
                await output.WriteLineAsync(line).ConfigureAwait(false);
            return code;
        }
        finally
        {
            await CleanupAsync().ConfigureAwait(false);
            await output.WriteLineAsync("demo: cleaned up (namespace, TAP, server, files)").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Trace lines about opening and closing: ARP, segments with SYN, FIN or RST (the Tracer's
    /// <c>Flags [S.]</c>), and TCP state changes (<c>Old=&gt;New</c>); all lines if none match.
    /// </summary>
    public static List<string> SelectTrace(IReadOnlyList<string> lines)
    {
        var selected = new List<string>();
        bool wantAck = false;
        foreach (var line in lines)
        {
            // Frames the link refused (the gratuitous ARP before the TAP is up) are noise here.
            if (line.Contains("(dropped by link)", StringComparison.Ordinal))
                continue;
            int flags = line.IndexOf("Flags [", StringComparison.Ordinal);
            bool control = false, bareAck = false;
            if (flags >= 0)
            {
                int end = line.IndexOf(']', flags);
                var set = end > flags ? line.AsSpan(flags + 7, end - flags - 7) : default;
                control = set.IndexOfAny('S', 'F', 'R') >= 0;
                bareAck = set.SequenceEqual(".") && line.EndsWith("length 0", StringComparison.Ordinal);
            }
            // The ACK that completes a handshake or acknowledges a FIN belongs to the picture too.
            if (control || (bareAck && wantAck) || line.Contains("ARP", StringComparison.Ordinal) || line.Contains("=>", StringComparison.Ordinal))
            {
                selected.Add(line);
                if (flags >= 0)
                    wantAck = control;
            }
        }
        var chosen = selected.Count > 0 ? selected : [.. lines];
        return chosen.Count > 60 ? chosen[..60] : chosen;
    }

    private async Task<Process> StartServerAsync(string site, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_ip)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The server stops when its stdin closes, so it cannot outlive even a killed demo.
        foreach (var argument in (string[])["netns", "exec", _namespace, .. ProcessRunner.SelfCommand(), "serve", "--kernel", "--quiet", "--exit-on-stdin-close", "--port", "80", site])
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new CliException("could not start the kernel web server");
        _cleanup.Add(async () =>
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        });
        // Ready when it prints its "serving ..." line.
        using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ready.CancelAfter(TimeSpan.FromSeconds(30));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(ready.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException("the kernel web server did not start within 30 s");
        }
        if (line is null || !line.StartsWith("serving", StringComparison.Ordinal))
        {
            string error = (await process.StandardError.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false)).Trim();
            throw new CliException($"the kernel web server did not start: {(error.Length > 0 ? error : line ?? "no output")}");
        }
        return process;
    }

    private string Page() => $"""
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>teeceepee demo</title></head>
        <body>
        <h1>Hello through teeceepee</h1>
        <p>This page was served by the Linux kernel's TCP in namespace {_namespace}
        (198.18.0.1 and {_kernelAddress6}) and fetched by the teeceepee userspace stack (198.18.0.2 and
        {_stackAddress6}) over TAP device {_tap}.</p>
        <p>Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC.</p>
        </body></html>

        """;

    private async Task CleanupAsync()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            try
            {
                await _cleanup[i]().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await _context.Error.WriteLineAsync($"teeceepee demo: cleanup step failed: {e.Message}").ConfigureAwait(false);
            }
        }
        _cleanup.Clear();
    }

    private Task<string> Ip(CancellationToken cancellationToken, params string[] arguments) => ProcessRunner.RunAsync(_ip, arguments, cancellationToken);

    private async Task IpQuiet(params string[] arguments)
    {
        try
        {
            await ProcessRunner.RunAsync(_ip, arguments, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CliException)
        {
            // Already gone (a deleted namespace takes its devices with it).
        }
    }
}

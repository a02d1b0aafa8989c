using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Commands;

/// <summary>The connect and TLS side of <see cref="CurlRunner"/>: name resolution, the handler, certificates and error mapping.</summary>
internal sealed partial class CurlRunner
{
    private SocketsHttpHandler CreateHandler()
    {
        var handler = _network.CreateHttpHandler(host => _resolved.TryGetValue(host, out var address)
            ? address
            : throw new HttpRequestException(HttpRequestError.NameResolutionError, $"could not resolve host: {host}"));
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        handler.AutomaticDecompression = _options.Compressed ? DecompressionMethods.All : DecompressionMethods.None;
        handler.PooledConnectionLifetime = Timeout.InfiniteTimeSpan;
        var connect = handler.ConnectCallback ?? throw new InvalidOperationException("the network's handler has no connect step");
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var endPoint = context.DnsEndPoint;
            string host = endPoint.Host.Length > 2 && endPoint.Host[0] == '[' ? endPoint.Host[1..^1] : endPoint.Host;
            // A literal or a --resolve entry connects to that address; a name races its AAAA and A answers (RFC 8305).
            IPAddress? address = IPAddress.TryParse(host, out var literal) ? literal : _resolved.GetValueOrDefault(host);
            Verbose(address is null
                ? $"  Trying {host} port {endPoint.Port} (Happy Eyeballs: IPv6 and IPv4 raced, 250 ms apart)..."
                : $"  Trying {Describe(new IPEndPoint(address, endPoint.Port))}...", "* ");
            string target = address?.ToString() ?? host;
            long start = Stopwatch.GetTimestamp();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (_options.ConnectTimeout is { } limit)
                timeout.CancelAfter(limit);
            try
            {
                Stream stream;
                IPEndPoint remote;
                if (_options.TcpFastOpen)
                {
                    // The connect happens at the handler's first write (the request, or TLS's ClientHello), in the SYN.
                    address ??= await _network.ResolveAsync(host, timeout.Token).ConfigureAwait(false);
                    remote = new IPEndPoint(address, endPoint.Port);
                    _info.Remote = remote;
                    Verbose($"TCP Fast Open to {Describe(remote)}: the request goes in the SYN if a cookie is cached", "* ");
                    FlushPendingHead();
                    return await _network.ConnectFastOpenAsync(remote, () => _info.TimeConnect = Elapsed, cancellationToken).ConfigureAwait(false);
                }
                if (address is null)
                {
                    var connection = await _network.ConnectAsync(host, endPoint.Port, AddressFamily.Unspecified, timeout.Token).ConfigureAwait(false);
                    remote = connection.RemoteEndPoint;
                    stream = new ConnectionStream(connection);
                }
                else
                {
                    remote = new IPEndPoint(address, endPoint.Port);
                    stream = await connect(context, timeout.Token).ConfigureAwait(false);
                }
                _info.TimeConnect = Elapsed;
                _info.Remote = remote;
                Verbose($"Connected to {host} ({remote.Address}) port {endPoint.Port}", "* ");
                FlushPendingHead();
                return stream;
            }
            catch (NameResolutionException e)
            {
                string hint = e.DnsUnavailable ? "; use --resolve NAME:PORT:ADDR" : "";
                _failure = new CliException(ExitCodes.CouldNotResolve, $"could not resolve host: {host} ({e.Message}{hint})");
                throw _failure;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                _failure = new CliException(ExitCodes.Timeout, $"connection to {target} port {endPoint.Port} timed out after {Milliseconds(Stopwatch.GetElapsedTime(start))} ms");
                throw _failure;
            }
            catch (Exception e) when (FindSocketError(e) is { } error)
            {
                string after = Milliseconds(Stopwatch.GetElapsedTime(start));
                _failure = error == SocketError.TimedOut
                    ? new CliException(ExitCodes.Timeout, $"connection to {target} port {endPoint.Port} timed out after {after} ms")
                    : new CliException(ExitCodes.CouldNotConnect, $"failed to connect to {target} port {endPoint.Port} after {after} ms: {Describe(error)}");
                throw _failure;
            }
        };
        if (_options.Insecure || _options.CaCertFile is not null || _options.Verbose)
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate };
        else
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = RecordCertificateProblem };
        return handler;
    }

    private static string Describe(IPEndPoint remote) => remote.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{remote.Address}]:{remote.Port}" : remote.ToString();

    /// <summary>Records a --resolve entry for the URL's host so the handler's connect step uses that address.</summary>
    private void ApplyResolveEntry(Uri url)
    {
        string host = url.IdnHost;
        if (IPAddress.TryParse(host, out _) || _resolved.ContainsKey(host))
            return;
        foreach (var entry in _options.Resolve)
        {
            if (entry.Matches(host, url.Port))
            {
                _resolved[host] = entry.Address;
                Verbose($"Added {host}:{url.Port}:{entry.Address} to DNS cache", "* ");
                return;
            }
        }
        // Other names are looked up by the connect step, which races both families (Happy Eyeballs, RFC 8305).
    }

    // With no options that change trust: the system's verdict, remembered so the failure is reported as curl's 60.
    private bool RecordCertificateProblem(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        _failure = new CliException(ExitCodes.CertificateProblem, $"SSL certificate problem: {Describe(errors, chain)}; use --cacert FILE to trust its issuer, or -k to skip the check");
        return false;
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is not null && _options.Verbose)
        {
            using var server = new X509Certificate2(certificate);
            Verbose("Server certificate:", "* ");
            Verbose($" subject: {server.Subject}", "* ");
            Verbose($" start date: {server.NotBefore.ToUniversalTime():MMM d HH:mm:ss yyyy} GMT", "* ");
            Verbose($" expire date: {server.NotAfter.ToUniversalTime():MMM d HH:mm:ss yyyy} GMT", "* ");
            Verbose($" issuer: {server.Issuer}", "* ");
        }
        if (_options.Insecure)
        {
            if (errors != SslPolicyErrors.None)
                Verbose($"SSL certificate verify result: {Describe(errors, chain)}, continuing anyway (-k).", "* ");
            return true;
        }
        if (_options.CaCertFile is { } file && certificate is not null && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None)
        {
            // --cacert: the chain must end at one of the file's certificates (curl replaces the trust store with it).
            var trusted = new X509Certificate2Collection();
            try
            {
                trusted.ImportFromPemFile(file);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                _failure = new CliException(ExitCodes.CaCertError, $"cannot read the --cacert file {file}: {e.Message}");
                return false;
            }
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
            using var server = new X509Certificate2(certificate);
            if (custom.Build(server))
            {
                Verbose("SSL certificate verify ok.", "* ");
                return true;
            }
            _failure = new CliException(ExitCodes.CertificateProblem, $"SSL certificate problem: {Describe(SslPolicyErrors.RemoteCertificateChainErrors, custom)} (checked against --cacert {file})");
            return false;
        }
        if (errors == SslPolicyErrors.None)
        {
            Verbose("SSL certificate verify ok.", "* ");
            return true;
        }
        return RecordCertificateProblem(sender, certificate, chain, errors);
    }

    private static string Describe(SslPolicyErrors errors, X509Chain? chain)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return "the server sent no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return "the certificate does not name this host";
        foreach (var status in chain?.ChainStatus ?? [])
        {
            if (status.Status == X509ChainStatusFlags.UntrustedRoot || status.Status == X509ChainStatusFlags.PartialChain)
                return "self-signed certificate or unknown issuer (not trusted)";
            if (status.Status == X509ChainStatusFlags.NotTimeValid)
                return "certificate has expired or is not yet valid";
        }
        return "unable to verify the certificate chain";
    }

    /// <summary>An error before the response head, as curl's exit code and sentence.</summary>
    private static CliException MapRequestError(HttpRequestException e, Uri url)
    {
        if (FindSocketError(e) is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            return new CliException(ExitCodes.ReceiveError, $"failure receiving data from the server: {Describe(FindSocketError(e)!.Value)}");
        if (Find<AuthenticationException>(e) is { } tls)
            return new CliException(ExitCodes.TlsHandshake, $"TLS handshake with {url.Host} failed: {tls.Message.TrimEnd('.')}");
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => new CliException(ExitCodes.CouldNotResolve, $"could not resolve host: {url.Host}"),
            HttpRequestError.SecureConnectionError => new CliException(ExitCodes.TlsHandshake, $"TLS handshake with {url.Host} failed: {Innermost(e).Message.TrimEnd('.')}"),
            HttpRequestError.ConnectionError => new CliException(ExitCodes.CouldNotConnect, $"failed to connect to {url.Host} port {url.Port}: {Innermost(e).Message.TrimEnd('.')}"),
            HttpRequestError.ResponseEnded => new CliException(ExitCodes.EmptyReply, "empty reply from server"),
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => new CliException(ExitCodes.WeirdServerReply, $"weird server reply: {Innermost(e).Message.TrimEnd('.')}"),
            HttpRequestError.VersionNegotiationError => new CliException(ExitCodes.Failure, $"the server does not speak the HTTP version asked for: {e.Message.TrimEnd('.')}"),
            _ => new CliException(ExitCodes.SendError, $"failure sending the request: {Innermost(e).Message.TrimEnd('.')}"),
        };
    }

    /// <summary>An error while reading the body.</summary>
    private static CliException MapBodyError(Exception e, long? length, long received)
    {
        if (FindSocketError(e) is { } error)
            return new CliException(ExitCodes.ReceiveError, $"failure receiving data from the server: {Describe(error)}");
        var kind = (e as HttpRequestException)?.HttpRequestError ?? (e as HttpIOException)?.HttpRequestError ?? HttpRequestError.Unknown;
        return kind switch
        {
            HttpRequestError.ResponseEnded => new CliException(ExitCodes.PartialFile, length is { } total
                ? $"transfer closed with {total - received} bytes remaining to read"
                : "transfer closed with outstanding read data remaining"),
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => new CliException(ExitCodes.WeirdServerReply, $"weird server reply: {Innermost(e).Message.TrimEnd('.')}"),
            _ => new CliException(ExitCodes.ReceiveError, $"failure receiving data from the server: {Innermost(e).Message.TrimEnd('.')}"),
        };
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
                return found;
        }
        return null;
    }

    private static SocketError? FindSocketError(Exception e) => Find<SocketException>(e)?.SocketErrorCode;

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }

    /// <summary>A lower-case phrase for a socket error.</summary>
    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.TimedOut => "timed out",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.AddressNotAvailable => "address not available",
        _ => error.ToString(),
    };

    /// <summary>-v: writes each line of <paramref name="text"/> to stderr after <paramref name="prefix"/> (curl's "* ", "> ", "< ").</summary>
    private void Verbose(string text, string prefix)
    {
        if (!_options.Verbose)
            return;
        foreach (var line in text.Split('\n'))
        {
            string trimmed = line.TrimEnd('\r');
            if (trimmed.Length > 0)
                _stderr.WriteLine(prefix + trimmed);
        }
        // The blank line that ends a head shows as a bare marker.
        if (prefix != "* " && text.EndsWith('\n'))
            _stderr.WriteLine(prefix.TrimEnd());
        _stderr.Flush();
    }

    private void FlushPendingHead()
    {
        if (_pendingHead is { } head)
        {
            _pendingHead = null;
            WriteRequestHead(head.Request, head.Body);
        }
    }

    /// <summary>-v: the request head as it goes out (HTTP/2 shows the same fields as lines).</summary>
    private void WriteRequestHead(HttpRequestMessage request, byte[]? body)
    {
        if (!_options.Verbose)
            return;
        var url = request.RequestUri!;
        string version = request.Version.Major >= 2 && (url.Scheme == "https" || request.VersionPolicy == HttpVersionPolicy.RequestVersionExact) ? "HTTP/2" : "HTTP/1.1";
        var lines = new System.Text.StringBuilder();
        lines.Append($"{request.Method} {url.PathAndQuery} {version}\n");
        lines.Append($"Host: {url.Authority}\n");
        foreach (var header in request.Headers.NonValidated)
        {
            foreach (var value in header.Value)
                lines.Append($"{header.Key}: {value}\n");
        }
        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers.NonValidated)
            {
                foreach (var value in header.Value)
                    lines.Append($"{header.Key}: {value}\n");
            }
            lines.Append($"Content-Length: {body?.Length ?? 0}\n");
        }
        Verbose(lines.ToString(), "> ");
    }
}

using System.Runtime.Versioning;
using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.IntegrationTests.Tcp;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// <c>teeceepee curl</c> (HttpClient on the stack) against a kernel nginx with a self-signed certificate made
/// at test time, over HTTP/1.1 and HTTP/2, trusted with -k or --cacert; and <c>teeceepee serve</c> (Kestrel on
/// the stack) fetched by kernel curl with ETags, ranges and HTTPS (h1 and h2). Bodies compared by SHA-256.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class HttpsCliTests : IAsyncLifetime
{
    private const int Size = 3 * 1024 * 1024;
    private CliTapNamespace _ns = null!;
    private ScratchDirectory _dir = null!;
    private byte[] _body = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliTapNamespace.CreateAsync();
        _dir = new ScratchDirectory();
        _body = _dir.Write("www/f.bin", Size, 77);
        // A throwaway certificate for 198.18.0.1 and 198.18.0.2 (never committed).
        var made = await CliNamespace.Run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", $"{_dir.Path}/key.pem", "-out", $"{_dir.Path}/cert.pem", "-days", "1", "-subj", "/CN=teeceepee test",
            "-addext", "subjectAltName=IP:198.18.0.1,IP:198.18.0.2", "-addext", "basicConstraints=critical,CA:TRUE");
        Assert.True(made.ExitCode == 0, made.Stderr);
        File.SetUnixFileMode($"{_dir.Path}/key.pem", (UnixFileMode)0b110_100_100);
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        _dir.Dispose();
    }

    private string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    // nginx on 198.18.0.1: TLS with h2 and http/1.1 by ALPN on 8443, plain HTTP on 8081.
    private async Task StartNginx()
    {
        string prefix = Path.Combine(_dir.Path, "nginx");
        string conf = ScratchDirectory.WriteNginxConf(prefix, $"{_dir.Path}/www", 8081);
        string text = File.ReadAllText(conf).Replace(
            "server { listen 198.18.0.1:8081;",
            $"server {{ listen 198.18.0.1:8443 ssl http2; ssl_certificate {_dir.Path}/cert.pem; ssl_certificate_key {_dir.Path}/key.pem; root {_dir.Path}/www; }}\n    server {{ listen 198.18.0.1:8081;",
            StringComparison.Ordinal);
        File.WriteAllText(conf, text);
        _ns.StartBackground($"nginx -c {conf} -p {prefix}");
        await _ns.WaitForKernelListener(8443);
    }

    [NetworkTheory]
    [InlineData("--http1.1", "-k", "1.1")]
    [InlineData("--http2", "-k", "2")]
    [InlineData("--http1.1", "--cacert", "1.1")]
    [InlineData("--http2", "--cacert", "2")]
    [InlineData("", "--cacert", "2")]
    public async Task Curl_HttpsFromNginx_ByteExact(string version, string trust, string expectedVersion)
    {
        await StartNginx();
        string trustArgs = trust == "-k" ? "-k" : $"--cacert {_dir.Path}/cert.pem";
        var result = await _ns.Exec(CliTapNamespace.Cli($"curl -sS {version} {trustArgs} -o {_dir.Path}/got -w %{{http_code}}/%{{http_version}}/%{{size_download}} https://198.18.0.1:8443/f.bin {CliTapNamespace.Link(false)}"), 120, check: false);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Equal($"200/{expectedVersion}/{Size}", result.StandardOutput.TrimEnd('\n'));
        Assert.Equal(Sha(_body), Sha(File.ReadAllBytes($"{_dir.Path}/got")));
    }

    [NetworkFact]
    public async Task Curl_HttpsSelfSignedWithoutTrust_Exits60_PlainPortExits35()
    {
        await StartNginx();
        var untrusted = await _ns.Exec(CliTapNamespace.Cli($"curl -sS https://198.18.0.1:8443/f.bin {CliTapNamespace.Link(false)}"), 60, check: false);
        Assert.Equal(60, untrusted.ExitCode);
        Assert.StartsWith("teeceepee curl: SSL certificate problem: ", untrusted.StandardError);
        var plain = await _ns.Exec(CliTapNamespace.Cli($"curl -sS -k https://198.18.0.1:8081/f.bin {CliTapNamespace.Link(false)}"), 60, check: false);
        Assert.Equal(35, plain.ExitCode);
        Assert.StartsWith("teeceepee curl: TLS handshake with 198.18.0.1 failed", plain.StandardError);
    }

    [NetworkFact]
    public async Task Curl_ToAFile_ShowsCurlsProgressMeter()
    {
        await StartNginx();
        // Raw stderr: the meter redraws its line with \r, which line-based readers would turn into new lines.
        var result = await CliNamespace.Run("ip", ["netns", "exec", _ns.Name, CliNamespace.Dotnet, CliNamespace.CliAssembly, "curl", "-o", $"{_dir.Path}/got",
            "http://198.18.0.1:8081/f.bin", .. CliTapNamespace.Link(false).Split(' ')]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith(
            "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n" +
            "                                 Dload  Upload   Total   Spent    Left  Speed\n" +
            "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0", result.Stderr);
        Assert.Matches(@"\r100 3072k  100 3072k    0     0  [ \d.]{4}[\dkMG]      0 [-:\d ]{8} [-:\d ]{8} [-:\d ]{8} [ \d.]{4}[\dkMG]\n$", result.Stderr);
        Assert.Equal(Sha(_body), Sha(File.ReadAllBytes($"{_dir.Path}/got")));
    }

    [NetworkFact]
    public async Task Serve_KernelCurl_ETag304_Range_AndHttpsOverH1AndH2()
    {
        await _ns.Start(CliTapNamespace.Cli($"serve {_dir.Path}/www --port 80 --quiet {CliTapNamespace.Link(false)}"), "serving");
        var head = await _ns.Exec("curl -sS -I http://198.18.0.2/f.bin");
        string etag = head.StandardOutput.Split('\n').Single(l => l.StartsWith("ETag:", StringComparison.OrdinalIgnoreCase))[5..].Trim();
        var notModified = await _ns.Exec($"curl -sS -o /dev/null -w %{{http_code}} -H 'If-None-Match: {etag}' http://198.18.0.2/f.bin");
        Assert.Equal("304", notModified.StandardOutput.TrimEnd('\n'));
        var range = await _ns.Exec($"curl -sS -r 1000-1999 -o {_dir.Path}/range -w %{{http_code}} http://198.18.0.2/f.bin");
        Assert.Equal("206", range.StandardOutput.TrimEnd('\n'));
        Assert.Equal(Sha(_body[1000..2000]), Sha(File.ReadAllBytes($"{_dir.Path}/range")));
    }

    [NetworkTheory]
    [InlineData("--http1.1", "1.1")]
    [InlineData("--http2", "2")]
    public async Task Serve_Https_KernelCurlFetchesByteExact(string version, string expected)
    {
        await _ns.Start(CliTapNamespace.Cli($"serve {_dir.Path}/www --port 443 --quiet --https {_dir.Path}/cert.pem {_dir.Path}/key.pem {CliTapNamespace.Link(false)}"), "serving");
        var result = await _ns.Exec($"curl -sS {version} --cacert {_dir.Path}/cert.pem -o {_dir.Path}/got -w %{{http_version}} https://198.18.0.2/f.bin", 120);
        Assert.Equal(expected, result.StandardOutput.TrimEnd('\n'));
        Assert.Equal(Sha(_body), Sha(File.ReadAllBytes($"{_dir.Path}/got")));
    }
}

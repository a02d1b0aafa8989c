using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Curl;
using Teeceepee.Cli.Network;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

public class CurlTests
{
    private static readonly IPEndPoint s_server = new(IPAddress.Parse("198.18.0.1"), 80);

    // Runs "teeceepee curl" in-process against one scripted response (read in chunks of `chunk` bytes).
    private static async Task<(int Code, CliHarness Cli, List<ScriptedConnection> Connections)> Curl(string[] responses, int chunk, params string[] args)
    {
        var connections = new List<ScriptedConnection>();
        int next = 0;
        var network = new FakeNetwork
        {
            Connect = (_, _) =>
            {
                var connection = new ScriptedConnection(responses[Math.Min(next++, responses.Length - 1)], chunk);
                connections.Add(connection);
                return ValueTask.FromResult<IConnection>(connection);
            },
        };
        var cli = new CliHarness { Networks = new RecordingNetworkFactory { Network = network } };
        int code = await cli.RunAsync(["curl", "--kernel", .. args]);
        return (code, cli, connections);
    }

    private static Task<(int Code, CliHarness Cli, List<ScriptedConnection> Connections)> Curl(string response, params string[] args) =>
        Curl([response], int.MaxValue, args);

    [Theory]
    [InlineData("-sS")]
    [InlineData("-s")]
    [InlineData("--show-error")]
    public async Task CurlHabitFlags_AreAccepted(string flag)
    {
        var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", flag, "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("ok", cli.OutBytesText);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(7)]
    public async Task ContentLength_BodyIsWrittenExactly(int chunk)
    {
        var (code, cli, connections) = await Curl(["HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhelloEXTRA"], chunk, "http://198.18.0.1/a?b=c");
        Assert.Equal(0, code);
        Assert.Equal("hello", cli.OutBytesText);
        string written = connections[0].WrittenText;
        Assert.StartsWith("GET /a?b=c HTTP/1.1\r\nHost: 198.18.0.1\r\n", written);
        Assert.Contains("\r\nUser-Agent: teeceepee/1.0\r\n", written);
        Assert.Contains("\r\nAccept: */*\r\n", written);
        Assert.EndsWith("\r\n\r\n", written);
        Assert.True(connections[0].Disposed);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Chunked_BodyIsDecoded(int chunk)
    {
        string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
        var (code, cli, _) = await Curl([response], chunk, "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("hello 0123456789", cli.OutBytesText);
    }

    [Fact]
    public async Task NoLength_BodyRunsUntilClose()
    {
        var (code, cli, _) = await Curl("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of this\nuntil close", "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("all of this\nuntil close", cli.OutBytesText);
    }

    [Fact]
    public async Task Head_PrintsHeadersOnlyAndIgnoresContentLength()
    {
        var (code, cli, connections) = await Curl("HTTP/1.1 200 OK\r\nX-A:  b \r\nContent-Length: 1000\r\n\r\n", "-I", "http://198.18.0.1:8080/x");
        Assert.Equal(0, code);
        Assert.Equal("HTTP/1.1 200 OK\r\nX-A: b\r\nContent-Length: 1000\r\n\r\n", cli.OutBytesText);
        Assert.StartsWith("HEAD /x HTTP/1.1\r\nHost: 198.18.0.1:8080\r\n", connections[0].WrittenText);
    }

    [Fact]
    public async Task Include_PrintsHeadersThenBody()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", "-i", "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", cli.OutBytesText);
    }

    [Fact]
    public async Task Continue100_IsSkipped()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("ok", cli.OutBytesText);
    }

    [Fact]
    public async Task NoContent204_HasNoBody()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 204 No Content\r\n\r\ntrailing garbage", "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("", cli.OutBytesText);
    }

    [Fact]
    public async Task Post_SendsBodyWithLengthAndFormType()
    {
        var (code, _, connections) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "-d", "a=1", "-d", "b=2", "http://198.18.0.1/form");
        Assert.Equal(0, code);
        string written = connections[0].WrittenText;
        Assert.StartsWith("POST /form HTTP/1.1\r\n", written);
        Assert.Contains("\r\nContent-Type: application/x-www-form-urlencoded\r\n", written);
        Assert.Contains("\r\nContent-Length: 7\r\n", written);
        Assert.EndsWith("\r\n\r\na=1&b=2", written);
    }

    [Fact]
    public async Task ExplicitMethodAndHeader_AreSent()
    {
        var (code, _, connections) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "-X", "DELETE", "-H", "X-Test: 1", "http://198.18.0.1/r");
        Assert.Equal(0, code);
        Assert.StartsWith("DELETE /r HTTP/1.1\r\n", connections[0].WrittenText);
        Assert.Contains("\r\nX-Test: 1\r\n", connections[0].WrittenText);
    }

    [Fact]
    public async Task OutputFile_ReceivesTheBody()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tcp-curl-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        try
        {
            var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "-o", path, "http://198.18.0.1/");
            Assert.Equal(0, code);
            Assert.Equal("abc", await File.ReadAllTextAsync(path));
            Assert.Equal(0, cli.OutStream.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task OutputDash_IsStandardOutput()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "-o", "-", "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("abc", cli.OutBytesText);
    }

    [Fact]
    public async Task OutputFileInMissingDirectory_Exits23()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "-o", "/nonexistent-dir/x", "http://198.18.0.1/");
        Assert.Equal(23, code);
        Assert.StartsWith("teeceepee curl: cannot open output file /nonexistent-dir/x: ", cli.ErrorLine);
    }

    [Fact]
    public async Task BodyShorterThanContentLength_Exits18()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "http://198.18.0.1/");
        Assert.Equal(18, code);
        Assert.Equal("teeceepee curl: transfer closed with 7 bytes remaining to read", cli.ErrorLine);
        Assert.Equal("abc", cli.OutBytesText);
    }

    [Fact]
    public async Task ChunkedCutShort_Exits18()
    {
        var (code, _, _) = await Curl("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "http://198.18.0.1/");
        Assert.Equal(18, code);
    }

    [Fact]
    public async Task BadChunkSize_Exits8()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "http://198.18.0.1/");
        Assert.Equal(8, code);
        Assert.StartsWith("teeceepee curl: weird server reply: ", cli.ErrorLine);
    }

    [Fact]
    public async Task EmptyReply_Exits52()
    {
        var (code, cli, _) = await Curl("", "http://198.18.0.1/");
        Assert.Equal(52, code);
        Assert.Equal("teeceepee curl: empty reply from server", cli.ErrorLine);
    }

    [Fact]
    public async Task NotHttp_Exits8()
    {
        var (code, cli, _) = await Curl("SSH-2.0-OpenSSH_9.6\r\n", "http://198.18.0.1/");
        Assert.Equal(8, code);
        Assert.StartsWith("teeceepee curl: weird server reply: ", cli.ErrorLine);
    }

    [Fact]
    public async Task Fail_On404_Exits22WithoutOutput()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", "-f", "http://198.18.0.1/");
        Assert.Equal(22, code);
        Assert.Equal("teeceepee curl: the requested URL returned error: 404", cli.ErrorLine);
        Assert.Equal(0, cli.OutStream.Length);
    }

    [Fact]
    public async Task Location_FollowsRedirectsAndPostBecomesGet()
    {
        string[] responses =
        [
            "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
        ];
        var (code, cli, connections) = await Curl(responses, int.MaxValue, "-L", "-d", "x=1", "http://198.18.0.1/start");
        Assert.Equal(0, code);
        Assert.Equal("done", cli.OutBytesText);
        Assert.StartsWith("POST /start ", connections[0].WrittenText);
        Assert.StartsWith("GET /next ", connections[1].WrittenText);
    }

    [Fact]
    public async Task WithoutLocation_RedirectIsNotFollowed()
    {
        var (code, cli, connections) = await Curl("HTTP/1.1 301 Moved\r\nLocation: /other\r\nContent-Length: 5\r\n\r\nmoved", "http://198.18.0.1/");
        Assert.Equal(0, code);
        Assert.Equal("moved", cli.OutBytesText);
        Assert.Single(connections);
    }

    [Fact]
    public async Task RedirectLoop_Exits47()
    {
        var (code, _, _) = await Curl("HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n", "-L", "--max-redirs", "3", "http://198.18.0.1/loop");
        Assert.Equal(47, code);
    }

    [Fact]
    public async Task HostName_WithoutResolve_Exits6WithDnsHint()
    {
        var (code, cli, connections) = await Curl("", "http://example.test/");
        Assert.Equal(6, code);
        Assert.Equal("teeceepee curl: could not resolve host: example.test (no DNS server: give --dns ADDR, or --dhcp; use --resolve NAME:PORT:ADDR)", cli.ErrorLine);
        Assert.Empty(connections);
    }

    [Fact]
    public async Task HostName_WithResolve_ConnectsToTheGivenAddressAndSendsTheName()
    {
        var (code, _, connections) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "--resolve", "example.test:8080:198.18.0.9", "http://example.test:8080/");
        Assert.Equal(0, code);
        Assert.Contains("Host: example.test:8080\r\n", connections[0].WrittenText);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, 7, "teeceepee curl: failed to connect to 198.18.0.1 port 80 after 0 ms: connection refused")]
    [InlineData(SocketError.HostUnreachable, 7, "teeceepee curl: failed to connect to 198.18.0.1 port 80 after 0 ms: no route to host")]
    [InlineData(SocketError.TimedOut, 28, "teeceepee curl: connection to 198.18.0.1 port 80 timed out after 0 ms")]
    public async Task ConnectFailures_MapToCurlExitCodes(SocketError error, int expectedCode, string expected)
    {
        var network = new FakeNetwork { Connect = (_, _) => throw new SocketException((int)error) };
        var cli = new CliHarness { Networks = new RecordingNetworkFactory { Network = network } };
        int code = await cli.RunAsync("curl", "--kernel", "http://198.18.0.1/");
        Assert.Equal(expectedCode, code);
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(expected).Replace("after\\ 0\\ ms", "after\\ \\d+\\ ms", StringComparison.Ordinal) + "$", cli.ErrorLine);
        Assert.True(network.Disposed);
    }

    [Fact]
    public async Task ConnectTimeout_Exits28()
    {
        var network = new FakeNetwork
        {
            Connect = async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException();
            },
        };
        var cli = new CliHarness { Networks = new RecordingNetworkFactory { Network = network } };
        int code = await cli.RunAsync("curl", "--kernel", "--connect-timeout", "0.05", "http://198.18.0.1/");
        Assert.Equal(28, code);
        Assert.StartsWith("teeceepee curl: connection to 198.18.0.1 port 80 timed out after ", cli.ErrorLine);
    }

    [Fact]
    public async Task MaxTime_Exits28()
    {
        var network = new FakeNetwork
        {
            Connect = async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException();
            },
        };
        var cli = new CliHarness { Networks = new RecordingNetworkFactory { Network = network } };
        int code = await cli.RunAsync("curl", "--kernel", "-m", "0.05", "http://198.18.0.1/");
        Assert.Equal(28, code);
        Assert.StartsWith("teeceepee curl: operation timed out after ", cli.ErrorLine);
    }

    [Fact]
    public async Task ResetWhileReadingBody_Exits56()
    {
        var network = new FakeNetwork
        {
            Connect = (_, _) => ValueTask.FromResult<IConnection>(new ScriptedConnection(Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"), resetAtEnd: true)),
        };
        var cli = new CliHarness { Networks = new RecordingNetworkFactory { Network = network } };
        int code = await cli.RunAsync("curl", "--kernel", "http://198.18.0.1/");
        Assert.Equal(56, code);
        Assert.Equal("teeceepee curl: failure receiving data from the server: connection reset by peer", cli.ErrorLine);
    }

    [Theory]
    [InlineData("ftp://198.18.0.1/", 1, "teeceepee curl: protocol \"ftp\" is not supported; use http:// or https://")]
    [InlineData("http://198.18.0.1:99999/", 3, "teeceepee curl: malformed URL 'http://198.18.0.1:99999/': port 99999 is out of range (1-65535)")]
    [InlineData("http:///path", 3, "teeceepee curl: malformed URL 'http:///path': no valid host name or port (1-65535)")]
    [InlineData("http://a b/", 3, "teeceepee curl: malformed URL 'http://a b/': it contains a space or a control or non-ASCII character (percent-encode it)")]
    public async Task BadUrls_MapToCurlExitCodes(string url, int expectedCode, string expected)
    {
        var cli = new CliHarness();
        int code = await cli.RunAsync("curl", "--kernel", url);
        Assert.Equal(expectedCode, code);
        Assert.Equal(expected, cli.ErrorLine);
        Assert.Null(cli.Networks.Options);
    }

    [Fact]
    public async Task HeadWithData_IsAUsageError()
    {
        var cli = new CliHarness();
        Assert.Equal(2, await cli.RunAsync("curl", "--kernel", "-I", "-d", "x", "http://198.18.0.1/"));
        Assert.Equal("teeceepee curl: -I (HEAD) and -d (POST) cannot be used together; choose one request method", cli.ErrorLine);
    }

    [Theory]
    [InlineData("198.18.0.1", "198.18.0.1", 80, "/")]
    [InlineData("http://Example.TEST:8080", "example.test", 8080, "/")]
    [InlineData("http://h/p/q?x=1#frag", "h", 80, "/p/q?x=1")]
    [InlineData("http://h?x", "h", 80, "/?x")]
    [InlineData("https://h/", "h", 443, "/")]
    public void Url_ParsesLikeCurl(string text, string host, int port, string path)
    {
        Assert.True(CurlUrl.TryParse(text, out var url, out _, out _));
        Assert.Equal((host, port, path), (url.Host, url.Port, url.PathAndQuery));
    }

    [Theory]
    [InlineData("http://h/dir/file.tar.gz", "file.tar.gz")]
    [InlineData("http://h/a%20b.txt?x=1", "a b.txt")]
    [InlineData("http://h/dir/", null)]
    [InlineData("http://h", null)]
    public void RemoteName_IsTheLastPathSegment(string text, string? expected)
    {
        Assert.True(CurlUrl.TryParse(text, out var url, out _, out _));
        Assert.Equal(expected, CurlUrl.RemoteName(url));
    }

    [Fact]
    public async Task Runner_WritesToTheGivenStream()
    {
        var network = new FakeNetwork { Connect = (_, _) => ValueTask.FromResult<IConnection>(new ScriptedConnection("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")) };
        var output = new MemoryStream();
        var options = new CurlOptions { Url = new Uri("http://198.18.0.1/") };
        Assert.Equal(ExitCodes.Ok, await new CurlRunner(network, options, output).RunAsync(CancellationToken.None));
        Assert.Equal("hi", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(s_server, network.Connects[0]);
    }

    [Fact]
    public async Task WriteOut_PrintsCurlVariablesAfterTheBody()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok",
            "-w", "\\n%{http_code} %{size_download} %{num_redirects} %{http_version} %{content_type} %{url_effective} %{remote_ip}:%{remote_port} %{exitcode} 100%%", "http://198.18.0.1/w");
        Assert.Equal(0, code);
        Assert.Equal("ok\n201 2 0 1.1 text/plain http://198.18.0.1/w 198.18.0.1:80 0 100%", cli.OutBytesText);
    }

    [Fact]
    public async Task WriteOut_IsPrintedOnFailureToo_WithTheExitCode()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "-f", "-w", "%{http_code} %{exitcode}", "http://198.18.0.1/");
        Assert.Equal(22, code);
        Assert.Equal("404 22", cli.OutBytesText);
    }

    [Fact]
    public async Task Verbose_PrintsCurlsConnectionRequestAndResponseLines()
    {
        var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "-v", "http://198.18.0.1/v");
        Assert.Equal(0, code);
        string[] lines = cli.Error.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Contains("*   Trying 198.18.0.1:80...", lines);
        Assert.Contains("* Connected to 198.18.0.1 (198.18.0.1) port 80", lines);
        Assert.Contains("> GET /v HTTP/1.1", lines);
        Assert.Contains("> Host: 198.18.0.1", lines);
        Assert.Contains("< HTTP/1.1 200 OK", lines);
        Assert.Contains("< Content-Length: 2", lines);
        Assert.True(Array.IndexOf(lines, "* Connected to 198.18.0.1 (198.18.0.1) port 80") < Array.IndexOf(lines, "> GET /v HTTP/1.1"));
        Assert.Equal("ok", cli.OutBytesText);
    }

    [Fact]
    public async Task UserAgentUserRangeAndHeaderRemoval_AreSent()
    {
        var (code, _, connections) = await Curl("HTTP/1.1 206 Partial Content\r\nContent-Length: 0\r\n\r\n",
            "-A", "probe/2", "-u", "ann:s3cret", "-r", "0-99", "-H", "Accept:", "http://198.18.0.1/");
        Assert.Equal(0, code);
        string written = connections[0].WrittenText;
        Assert.Contains("\r\nUser-Agent: probe/2\r\n", written);
        Assert.Contains("\r\nAuthorization: Basic YW5uOnMzY3JldA==\r\n", written);
        Assert.Contains("\r\nRange: bytes=0-99\r\n", written);
        Assert.DoesNotContain("Accept:", written);
    }

    [Fact]
    public async Task Redirects_IncludePrintsEveryHead()
    {
        string[] responses = ["HTTP/1.1 301 Moved\r\nLocation: /b\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone"];
        var (code, cli, connections) = await Curl(responses, int.MaxValue, "-L", "-i", "-w", "|%{num_redirects}", "http://198.18.0.1/a");
        Assert.Equal(0, code);
        Assert.Contains("GET /b HTTP/1.1", connections[^1].WrittenText);
        Assert.Equal("HTTP/1.1 301 Moved\r\nLocation: /b\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone|1", cli.OutBytesText);
    }

    [Fact]
    public async Task Silent_HidesTheError_ShowErrorBringsItBack()
    {
        var (code, cli, _) = await Curl("", "-s", "http://198.18.0.1/");
        Assert.Equal(52, code);
        Assert.Equal("", cli.Error.ToString());
        (code, cli, _) = await Curl("", "-sS", "http://198.18.0.1/");
        Assert.Equal(52, code);
        Assert.Equal("teeceepee curl: empty reply from server", cli.ErrorLine);
    }

    [Fact]
    public async Task OutputFile_ShowsCurlsProgressMeter_SilentHidesIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tcp-curl-meter-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        try
        {
            var (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "-o", path, "http://198.18.0.1/");
            Assert.Equal(0, code);
            string meter = cli.Error.ToString();
            Assert.StartsWith(ProgressMeter.Header + "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r", meter);
            Assert.Matches(@"\r100     3  100     3    0     0  [ \d.]{4}[\dkMG]      0 --:--:-- --:--:-- --:--:-- [ \d.]{4}[\dkMG]\n$", meter);
            (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "-s", "-o", path, "http://198.18.0.1/");
            Assert.Equal("", cli.Error.ToString());
            (code, cli, _) = await Curl("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", "-#", "-o", path, "http://198.18.0.1/");
            Assert.EndsWith("\r" + new string('#', 72) + " 100.0%\n", cli.Error.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StandardOutputToTerminal_HasNoMeter_RedirectedHasOne()
    {
        var network = new FakeNetwork { Connect = (_, _) => ValueTask.FromResult<IConnection>(new ScriptedConnection("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")) };
        var error = new StringWriter();
        var options = new CurlOptions { Url = new Uri("http://198.18.0.1/") };
        await new CurlRunner(network, options, new MemoryStream(), error, stdoutIsTerminal: true).RunAsync(CancellationToken.None);
        Assert.Equal("", error.ToString());
        await new CurlRunner(network, options, new MemoryStream(), error, stdoutIsTerminal: false).RunAsync(CancellationToken.None);
        Assert.StartsWith(ProgressMeter.Header, error.ToString());
    }

    [Theory]
    [InlineData(0, "    0")]
    [InlineData(99_999, "99999")]
    [InlineData(100_000, "   97k")]
    [InlineData(2_999_808, " 2929k")]
    [InlineData(50_000_000, " 47.6M")]
    [InlineData(3_404_726_272, " 3247M")]
    [InlineData(20_000_000_000, " 18.6G")]
    public void MeterSizes_UseCurlsFiveColumnUnits(long bytes, string expected) =>
        Assert.Equal(expected.TrimStart().PadLeft(5), ProgressMeter.Size(bytes));

    [Theory]
    [InlineData(0.5, "--:--:--")]
    [InlineData(7, " 0:00:07")]
    [InlineData(3725, " 1:02:05")]
    public void MeterTimes_UseCurlsEightColumns(double seconds, string expected) =>
        Assert.Equal(expected, ProgressMeter.Time(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void MeterLine_HalfwayThroughA50MegabyteFile_ReadsLikeCurl() =>
        Assert.Equal(" 50 47.6M   50 23.8M    0     0  11.9M      0  0:00:04  0:00:02  0:00:02 12.0M",
            ProgressMeter.FormatLine(50_000_000, 25_000_000, TimeSpan.FromSeconds(2), 12_582_912));

    [Fact]
    public void Bar_IsProportional() =>
        Assert.Equal(new string('#', 36).PadRight(72) + "  50.0%", ProgressMeter.FormatBar(200, 100));
}

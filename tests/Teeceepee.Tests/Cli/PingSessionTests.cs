using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Network;

namespace Teeceepee.Tests.Cli;

public class PingSessionTests
{
    // Runs a session whose pinger answers from `replies` (by sequence) on a fake clock that the
    // interval delay advances, so the output is exact.
    private static async Task<(int Code, string Output)> Run(Func<ushort, EchoResult> replies, PingOptions options, string host = "198.18.0.1")
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter { NewLine = "\n" };
        var session = new PingSession(
            (seq, size, timeout, ct) => ValueTask.FromResult(replies(seq)),
            output,
            time,
            (delay, ct) =>
            {
                time.Advance(delay);
                return Task.CompletedTask;
            });
        int code = await session.RunAsync(host, IPAddress.Parse("198.18.0.1"), options, CancellationToken.None);
        return (code, output.ToString());
    }

    [Fact]
    public async Task AllReplies_PrintIputilsLinesAndStatistics()
    {
        double[] rtts = [0.512, 1.25, 0.3];
        var (code, output) = await Run(seq => EchoResult.Reply(64, 64, TimeSpan.FromMilliseconds(rtts[seq - 1])), new PingOptions { Count = 3 });
        Assert.Equal(0, code);
        Assert.Equal(
            "PING 198.18.0.1 (198.18.0.1) 56(84) bytes of data.\n" +
            "64 bytes from 198.18.0.1: icmp_seq=1 ttl=64 time=0.512 ms\n" +
            "64 bytes from 198.18.0.1: icmp_seq=2 ttl=64 time=1.25 ms\n" +
            "64 bytes from 198.18.0.1: icmp_seq=3 ttl=64 time=0.300 ms\n" +
            "\n" +
            "--- 198.18.0.1 ping statistics ---\n" +
            "3 packets transmitted, 3 received, 0% packet loss, time 2000ms\n" +
            "rtt min/avg/max/mdev = 0.300/0.687/1.250/0.407 ms\n",
            output);
    }

    [Fact]
    public async Task NoReplies_Exit1AndNoRttLine()
    {
        var (code, output) = await Run(_ => EchoResult.TimedOut, new PingOptions { Count = 2 });
        Assert.Equal(1, code);
        Assert.EndsWith(
            "--- 198.18.0.1 ping statistics ---\n" +
            "2 packets transmitted, 0 received, 100% packet loss, time 1000ms\n",
            output);
        Assert.DoesNotContain("rtt", output);
    }

    [Fact]
    public async Task PartialLoss_ShowsFractionalPercentLikeIputils()
    {
        var (code, output) = await Run(seq => seq == 2 ? EchoResult.TimedOut : EchoResult.Reply(63, 64, TimeSpan.FromMilliseconds(2)), new PingOptions { Count = 3, Interval = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(0, code);
        Assert.Contains("3 packets transmitted, 2 received, 33.3333% packet loss, time 400ms\n", output);
        Assert.Contains("rtt min/avg/max/mdev = 2.000/2.000/2.000/0.000 ms\n", output);
        Assert.DoesNotContain("icmp_seq=2", output);
    }

    [Fact]
    public async Task IcmpErrors_AreCountedAndPrinted()
    {
        var (code, output) = await Run(_ => new EchoResult(false, 0, 0, default, "Destination Host Unreachable", "198.18.0.2"), new PingOptions { Count = 2 });
        Assert.Equal(1, code);
        Assert.Contains("From 198.18.0.2 icmp_seq=1 Destination Host Unreachable\n", output);
        Assert.Contains("2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1000ms\n", output);
    }

    [Fact]
    public async Task SendFailure_IsReportedPerSequence()
    {
        var (code, output) = await Run(_ => throw new SocketException((int)SocketError.NetworkUnreachable), new PingOptions { Count = 1 });
        Assert.Equal(1, code);
        Assert.Contains("ping: icmp_seq=1: network is unreachable\n", output);
    }

    [Fact]
    public async Task HostName_IsShownWithItsAddress_AndSizeIsReflected()
    {
        var (_, output) = await Run(_ => EchoResult.Reply(64, 108, TimeSpan.FromMilliseconds(150.4)), new PingOptions { Count = 1, Size = 100 }, host: "web.test");
        Assert.StartsWith("PING web.test (198.18.0.1) 100(128) bytes of data.\n108 bytes from web.test (198.18.0.1): icmp_seq=1 ttl=64 time=150 ms\n", output);
    }

    [Theory]
    [InlineData(0.0412, "0.041")]
    [InlineData(0.9994, "0.999")]
    [InlineData(1.0, "1.00")]
    [InlineData(9.994, "9.99")]
    [InlineData(12.34, "12.3")]
    [InlineData(99.94, "99.9")]
    [InlineData(123.6, "124")]
    public void ReplyTime_UsesIputilsPrecision(double ms, string expected) =>
        Assert.Equal(expected, PingSession.FormatReplyTime(ms));

    [Fact]
    public async Task Cancellation_StopsAndStillPrintsStatistics()
    {
        using var cts = new CancellationTokenSource();
        var output = new StringWriter { NewLine = "\n" };
        int sent = 0;
        var session = new PingSession(
            (seq, size, timeout, ct) =>
            {
                if (++sent == 2)
                    cts.Cancel();
                return ValueTask.FromResult(EchoResult.Reply(64, 64, TimeSpan.FromMilliseconds(1)));
            },
            output,
            delay: (d, ct) => Task.Delay(1, ct));
        int code = await session.RunAsync("198.18.0.1", IPAddress.Parse("198.18.0.1"), new PingOptions(), cts.Token);
        Assert.Equal(0, code);
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", output.ToString());
    }

    [Fact]
    public async Task ManyRequestsOutstanding_StatisticsEndWithPipeLikeIputils()
    {
        var release = new TaskCompletionSource();
        int sent = 0;
        var output = new StringWriter { NewLine = "\n" };
        var session = new PingSession(
            async (seq, size, timeout, ct) =>
            {
                if (++sent == 3)
                    release.SetResult();
                await release.Task;
                return new EchoResult(false, 0, 0, default, "Destination Host Unreachable", "198.18.0.2");
            },
            output,
            delay: (d, ct) => Task.CompletedTask);
        int code = await session.RunAsync("198.18.0.9", IPAddress.Parse("198.18.0.9"), new PingOptions { Count = 3 }, CancellationToken.None);
        Assert.Equal(1, code);
        Assert.Contains("3 packets transmitted, 0 received, +3 errors, 100% packet loss, time ", output.ToString());
        Assert.EndsWith("ms\npipe 3\n", output.ToString());
    }

    [Fact]
    public async Task OneRequestAtATime_PrintsNoPipeLine()
    {
        var (_, output) = await Run(_ => EchoResult.TimedOut, new PingOptions { Count = 2 });
        Assert.DoesNotContain("pipe", output);
    }

    [Fact]
    public async Task WaitZero_MeansNoTimeoutLikeIputils()
    {
        var network = new Fakes.FakeNetwork { Ping = (_, _) => EchoResult.Reply(64, 64, TimeSpan.FromMilliseconds(1)) };
        var cli = new Fakes.CliHarness { Networks = new Fakes.RecordingNetworkFactory { Network = network } };
        int code = await cli.RunAsync("ping", "--kernel", "-c", "1", "-W", "0", "198.18.0.1");
        Assert.Equal(0, code);
        Assert.Equal([Timeout.InfiniteTimeSpan], network.PingTimeouts);
    }
}

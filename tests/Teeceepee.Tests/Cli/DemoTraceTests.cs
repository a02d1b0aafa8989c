using Teeceepee.Cli.Demo;

namespace Teeceepee.Tests.Cli;

public class DemoTraceTests
{
    [Fact]
    public void SelectTrace_KeepsArpControlSegmentsTheirAcksAndStateChanges()
    {
        string[] lines =
        [
            "    0.000000 t0 -> 02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 198.18.0.2 tell 198.18.0.2 (dropped by link)",
            "    0.100000 t0 -> 02:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 198.18.0.1 tell 198.18.0.2",
            "t0: tcp 198.18.0.2:5000<->198.18.0.1:80 Closed=>SynSent",
            "    0.200000 t0 -> a > b, IP 198.18.0.2.5000 > 198.18.0.1.80: Flags [S], seq 1, win 65535, length 0",
            "    0.210000 t0 <- b > a, IP 198.18.0.1.80 > 198.18.0.2.5000: Flags [S.], seq 9, ack 2, win 65160, length 0",
            "    0.211000 t0 -> a > b, IP 198.18.0.2.5000 > 198.18.0.1.80: Flags [.], seq 2, ack 10, win 65535, length 0",
            "    0.212000 t0 -> a > b, IP 198.18.0.2.5000 > 198.18.0.1.80: Flags [P.], seq 2, ack 10, win 65535, length 77",
            "    0.220000 t0 <- b > a, IP 198.18.0.1.80 > 198.18.0.2.5000: Flags [.], seq 10, ack 79, win 501, length 0",
            "t0: tcp 198.18.0.2:5000<->198.18.0.1:80 rtt sample 0.2 ms, srtt 0.2 ms, rto 200 ms",
            "    0.300000 t0 -> a > b, IP 198.18.0.2.5000 > 198.18.0.1.80: Flags [F.], seq 79, ack 600, win 65535, length 0",
            "    0.310000 t0 <- b > a, IP 198.18.0.1.80 > 198.18.0.2.5000: Flags [F.], seq 600, ack 80, win 501, length 0",
            "    0.311000 t0 -> a > b, IP 198.18.0.2.5000 > 198.18.0.1.80: Flags [.], seq 80, ack 601, win 65535, length 0",
        ];
        var selected = DemoRunner.SelectTrace(lines);
        Assert.Equal([lines[1], lines[2], lines[3], lines[4], lines[5], lines[9], lines[10], lines[11]], selected);
    }
}

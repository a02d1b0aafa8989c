using System.Globalization;
using System.Net;
using System.Text;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>A snapshot of one connection with its endpoints, like a line of <c>ss -ti</c>.</summary>
/// <param name="LocalEndPoint">Our address and port (null before connecting).</param>
/// <param name="RemoteEndPoint">The peer's address and port (null before connecting).</param>
/// <param name="Tcp">The TCB's counters and windows.</param>
public sealed record TcpConnectionInfo(IPEndPoint? LocalEndPoint, IPEndPoint? RemoteEndPoint, TcpInfo Tcp)
{
    /// <summary>Connection state.</summary>
    public TcpState State => Tcp.State;

    /// <summary>Congestion window in bytes.</summary>
    public int CongestionWindow => Tcp.CongestionWindow;

    /// <summary>Smoothed round-trip time, null before the first sample.</summary>
    public TimeSpan? SmoothedRtt => Tcp.SmoothedRtt;

    /// <summary>Current retransmission timeout.</summary>
    public TimeSpan Rto => Tcp.Rto;

    /// <summary>Segments retransmitted.</summary>
    public long Retransmits => Tcp.Retransmits;

    /// <summary>Payload bytes sent, retransmissions included.</summary>
    public long BytesSent => Tcp.BytesSent;

    /// <summary>Payload bytes the peer acknowledged.</summary>
    public long BytesAcked => Tcp.BytesAcked;

    /// <summary>Payload bytes received in order.</summary>
    public long BytesReceived => Tcp.BytesReceived;

    /// <summary>One line in the manner of <c>ss -ti</c>.</summary>
    public override string ToString()
    {
        var t = Tcp;
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"{t.State} {LocalEndPoint?.ToString() ?? "*"} {RemoteEndPoint?.ToString() ?? "*"}");
        if (t.Timestamps)
            sb.Append(" ts");
        if (t.Sack)
            sb.Append(" sack");
        if (t.SendWindowScale >= 0)
            sb.Append(c, $" wscale:{t.SendWindowScale},{t.ReceiveWindowScale}");
        sb.Append(c, $" rto:{t.Rto.TotalMilliseconds:0.###}");
        if (t.SmoothedRtt is { } srtt)
            sb.Append(c, $" rtt:{srtt.TotalMilliseconds:0.###}/{t.RttVariance.TotalMilliseconds:0.###}");
        sb.Append(c, $" mss:{t.Mss} cwnd:{t.CongestionWindow} ssthresh:{t.SlowStartThreshold}");
        sb.Append(c, $" bytes_sent:{t.BytesSent} bytes_acked:{t.BytesAcked} bytes_received:{t.BytesReceived}");
        sb.Append(c, $" segs_out:{t.SegmentsSent} segs_in:{t.SegmentsReceived} retrans:{t.Retransmits}/{t.Timeouts}");
        sb.Append(c, $" unacked:{t.BytesInFlight} snd_wnd:{t.PeerWindow} rcv_wnd:{t.ReceiveWindow}");
        if (t.Error != TcpError.None)
            sb.Append(c, $" error:{t.Error}");
        return sb.ToString();
    }
}

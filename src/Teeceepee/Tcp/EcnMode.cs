namespace Teeceepee.Tcp;

/// <summary>When a connection uses ECN (RFC 3168), like Linux's <c>net.ipv4.tcp_ecn</c> (0, 1, 2).</summary>
public enum EcnMode
{
    /// <summary>Never: no ECN-setup SYN, and a peer's ECN-setup SYN is answered without ECE (tcp_ecn=0).</summary>
    Off,

    /// <summary>Ask for ECN on connections we open and accept it on connections we are asked for (tcp_ecn=1).</summary>
    On,

    /// <summary>Accept ECN when the peer asks, never ask (tcp_ecn=2, Linux's default and ours).</summary>
    Passive,
}

using System.Runtime.InteropServices;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// What TIME-WAIT needs of a closed connection (RFC 9293 §3.10.7.4, RFC 6191, RFC 7323 §5.5), in 64 octets: no buffers,
/// no <see cref="Tcb"/>. The full TCB goes back to the GC the moment its connection enters TIME-WAIT.
/// </summary>
/// <remarks>
/// Layout (the host's <see cref="TimeWaitTable"/> stores these in one array):
/// <code>
///  0  LocalAddress (16)        16  RemoteAddress (16)
/// 32  Deadline ticks (8)       40  SND.NXT (4)   44  RCV.NXT (4)
/// 48  TS.Recent (4)            52  TS offset (4) 56  ports (2 + 2)   60  window (2)   62  TS.Recent stamp (2)
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct TimeWaitRecord
{
    /// <summary><see cref="TsRecentStamp"/> when the connection used no timestamps.</summary>
    public const ushort NoTimestamps = ushort.MaxValue;

    /// <summary>Our address.</summary>
    public NetAddress LocalAddress;

    /// <summary>The peer's address.</summary>
    public NetAddress RemoteAddress;

    /// <summary>When the record expires: 2×MSL after the last FIN (RFC 9293 §3.6.1).</summary>
    public Instant Deadline;

    /// <summary>SND.NXT: the sequence number of our ACKs.</summary>
    public SeqNumber SendNext;

    /// <summary>RCV.NXT: one past the peer's FIN.</summary>
    public SeqNumber ReceiveNext;

    /// <summary>TS.Recent (RFC 7323 §4.3), the TSecr of our ACKs and the floor a reopening SYN must exceed (RFC 6191).</summary>
    public uint TsRecent;

    /// <summary>The connection's offset added to our millisecond clock in TSval (RFC 7323 §5.4).</summary>
    public uint TsOffset;

    /// <summary>Our port.</summary>
    public ushort LocalPort;

    /// <summary>The peer's port.</summary>
    public ushort RemotePort;

    /// <summary>The window field of our ACKs (already scaled), the last one the connection advertised.</summary>
    public ushort Window;

    /// <summary>
    /// When TS.Recent was taken, in minutes of the protocol clock modulo 65535 (RFC 7323 §5.5 invalidates it after
    /// 24 days; 65535 minutes are 45 days); <see cref="NoTimestamps"/> when the connection did not use timestamps.
    /// </summary>
    public ushort TsRecentStamp;

    /// <summary>True when the connection negotiated timestamps (RFC 7323).</summary>
    public readonly bool HasTimestamps => TsRecentStamp != NoTimestamps;

    /// <summary>The demultiplexing key, from our side.</summary>
    public readonly TcpFourTuple Key => new(LocalAddress, LocalPort, RemoteAddress, RemotePort);

    /// <summary>The <see cref="TsRecentStamp"/> value for <paramref name="now"/>.</summary>
    public static ushort StampOf(Instant now) => (ushort)(now.Ticks / TicksPerMinute % NoTimestamps);

    /// <summary>RFC 7323 §5.5: TS.Recent older than 24 days is no longer valid for PAWS or RFC 6191.</summary>
    public readonly bool IsTsRecentValid(Instant now) =>
        HasTimestamps && (StampOf(now) - TsRecentStamp + NoTimestamps) % NoTimestamps < TsRecentLifetimeMinutes;

    /// <summary>Our TSval at <paramref name="now"/>: milliseconds plus the connection's offset, as the TCB sent them.</summary>
    public readonly uint TsValue(Instant now) => unchecked((uint)now.TotalMilliseconds + TsOffset);

    private const long TicksPerMinute = 60 * TimeSpan.TicksPerSecond;
    private const int TsRecentLifetimeMinutes = 24 * 24 * 60;
}

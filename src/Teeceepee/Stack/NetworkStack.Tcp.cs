using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    // TODO(tcp): hand segments to TcpHost.Process, drain TcpHost.TryDispatch, include TcpHost.PollAt,
    // and pass ICMP errors to TcpHost.OnIcmpError once branch `tcp` has TcpHost.

    private void ProcessTcp(Instant now, in IPv4Repr ip, ReadOnlySpan<byte> payload, bool broadcast)
    {
        _ = now;
        _ = payload;
        _ = broadcast;
        Drop(DropReason.TcpUnavailable, "tcp", ip.Source);
    }

    private void DispatchTcp(Instant now) => _ = now;

    private static Instant TcpPollAt() => Instant.MaxValue;

    private static bool DeliverTcpIcmpError(Instant now, in IPv4Repr ip, in IcmpRepr icmp, IPv4Address destination, ReadOnlySpan<byte> transport)
    {
        _ = now;
        _ = ip;
        _ = icmp;
        _ = destination;
        _ = transport;
        return false;
    }

    private void ShutdownTcp()
    {
    }
}

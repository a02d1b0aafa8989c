namespace Teeceepee.Links;

/// <summary>Per-frame offloads a link can do, reported and requested through <see cref="LinkOffload"/> descriptors.</summary>
[Flags]
public enum LinkOffloads : byte
{
    /// <summary>No per-frame offload.</summary>
    None = 0,
    /// <summary>Received frames may carry a partial checksum to complete or skip (<see cref="LinkOffloadFlags.NeedsChecksum"/>) or be marked verified (<see cref="LinkOffloadFlags.DataValid"/>).</summary>
    ReceiveChecksum = 1,
    /// <summary>Received frames may be TCP super-frames (IPv4 or IPv6) up to 64 KiB (GRO/GSO) with the segment size in the descriptor.</summary>
    ReceiveSegmentation = 2,
    /// <summary>The link completes a partial TCP/UDP checksum on transmit (<see cref="LinkOffloadFlags.NeedsChecksum"/>).</summary>
    TransmitChecksum = 4,
    /// <summary>The link cuts a TCP super-frame (IPv4 or IPv6) into MSS-sized segments on transmit (TSO).</summary>
    TransmitSegmentation = 8,
}

namespace Teeceepee.Links;

/// <summary>What kind of super-frame a frame is (virtio_net_hdr gso_type).</summary>
public enum LinkGsoType : byte
{
    /// <summary>An ordinary frame.</summary>
    None = 0,
    /// <summary>A TCP/IPv4 super-frame to cut (or cut before) at <see cref="LinkOffload.SegmentSize"/> payload octets.</summary>
    TcpV4 = 1,
    /// <summary>A UDP fragmentation offload frame (not produced by us).</summary>
    Udp = 3,
    /// <summary>A TCP/IPv6 super-frame (no extension headers) to cut (or cut before) at <see cref="LinkOffload.SegmentSize"/> payload octets.</summary>
    TcpV6 = 4,
}

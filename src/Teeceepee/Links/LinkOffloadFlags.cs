namespace Teeceepee.Links;

/// <summary>Checksum state of one frame (virtio_net_hdr flags).</summary>
[Flags]
public enum LinkOffloadFlags : byte
{
    /// <summary>Checksums are complete and not verified.</summary>
    None = 0,
    /// <summary>The L4 checksum is partial: the one's complement sum from <see cref="LinkOffload.ChecksumStart"/> still has to be stored at <see cref="LinkOffload.ChecksumStart"/> + <see cref="LinkOffload.ChecksumOffset"/> (VIRTIO_NET_HDR_F_NEEDS_CSUM).</summary>
    NeedsChecksum = 1,
    /// <summary>The checksums were verified by the sender's side (VIRTIO_NET_HDR_F_DATA_VALID).</summary>
    DataValid = 2,
}

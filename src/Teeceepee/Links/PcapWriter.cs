using System.Buffers.Binary;

namespace Teeceepee.Links;

/// <summary>
/// Wraps any link and records every frame in and out to a classic libpcap stream (microsecond
/// timestamps, LINKTYPE_ETHERNET or LINKTYPE_RAW by medium), readable by tcpdump and Wireshark.
/// </summary>
/// <remarks>
/// Timestamps come from the stack's clock (the <c>now</c> of each call), mapped to wall-clock time
/// at creation, so a capture of a simulation on virtual time shows virtual time. A write error
/// stops the capture (see <see cref="Error"/>) but never the link. Frames with an offload descriptor are recorded as
/// they are on the wire: super-frames cut into their segments and partial checksums completed
/// (<see cref="SoftwareOffload"/>), so every recorded frame is valid; the link still gets the frame and descriptor as sent.
/// </remarks>
public sealed class PcapWriter : ILink
{
    /// <summary>LINKTYPE_ETHERNET.</summary>
    public const uint LinkTypeEthernet = 1;

    /// <summary>LINKTYPE_RAW: bare IPv4/IPv6 packets.</summary>
    public const uint LinkTypeRaw = 101;

    /// <summary>Largest bytes recorded per frame.</summary>
    public const int SnapLength = 262144;

    private const uint Magic = 0xa1b2c3d4;
    private readonly ILink _inner;
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly Instant _originInstant;
    private readonly long _originUnixMicroseconds;
    private readonly int _linkHeaderLength;
    private byte[]? _wire; // one wire frame cut from an offloaded frame (rented on first use)
    private byte[]? _flat; // a frame sent in pieces, flattened for the record (allocated on the first one)
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/> and writes the pcap header to <paramref name="output"/>.</summary>
    /// <param name="inner">The link to record (disposed with this one).</param>
    /// <param name="output">Where the capture goes.</param>
    /// <param name="time">The stack's clock, read once to map instants to wall-clock time; default the system clock.</param>
    /// <param name="leaveOpen">Leave <paramref name="output"/> open on dispose.</param>
    public PcapWriter(ILink inner, Stream output, TimeProvider? time = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(output);
        time ??= TimeProvider.System;
        _inner = inner;
        _output = output;
        _leaveOpen = leaveOpen;
        _originInstant = Instant.Now(time);
        _originUnixMicroseconds = (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        LinkType = inner.Capabilities.Medium == LinkMedium.Ethernet ? LinkTypeEthernet : LinkTypeRaw;
        _linkHeaderLength = inner.Capabilities.Medium == LinkMedium.Ethernet ? LinkCapabilities.EthernetHeaderLength : 0;
        Span<byte> header = stackalloc byte[24];
        WriteFileHeader(header, LinkType);
        Write(header, ReadOnlySpan<byte>.Empty);
    }

    /// <summary>Opens (truncating) <paramref name="path"/> and records <paramref name="inner"/> into it.</summary>
    public static PcapWriter Create(ILink inner, string path, TimeProvider? time = null)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        try
        {
            return new PcapWriter(inner, stream, time);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The wrapped link.</summary>
    public ILink Inner => _inner;

    /// <summary>The pcap link type written (1 Ethernet, 101 raw IP).</summary>
    public uint LinkType { get; }

    /// <summary>Frames recorded.</summary>
    public long RecordedFrames { get; private set; }

    /// <summary>The write error that stopped the capture, if any.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Writes the 24-byte pcap global header (native little-endian, version 2.4).</summary>
    public static void WriteFileHeader(Span<byte> destination, uint linkType)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], 0);   // thiszone: timestamps are UTC
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], linkType);
    }

    /// <inheritdoc />
    public LinkCapabilities Capabilities => _inner.Capabilities;

    /// <inheritdoc />
    public int ReadinessFd => _inner.ReadinessFd;

    /// <inheritdoc />
    public Instant NextDeadline => _inner.NextDeadline;

    /// <inheritdoc />
    /// <remarks>Super-frames are recorded as their wire segments, partial checksums completed (in the record only).</remarks>
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (!_inner.TryReceive(now, buffer, out length, out offload))
            return false;
        Record(now, buffer[..length], offload);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Super-frames are recorded as their wire segments, partial checksums completed (in the record only).</remarks>
    /// <remarks>The frame is passed on in its pieces (a gather write stays one); the record gets a flattened copy.</remarks>
    public bool TrySend(Instant now, in LinkFrame frame)
    {
        if (Error is null && !_disposed)
        {
            var bytes = frame.IsContiguous ? frame.Headers
                : frame.Flatten(_flat ??= new byte[Math.Max(Capabilities.MaxFrameLength, LinkFrame.MaxLength)]);
            Record(now, bytes, frame.Offload);
        }
        return _inner.TrySend(now, frame);
    }

    /// <summary>Pushes buffered records to the stream's target.</summary>
    public void Flush()
    {
        if (Error is not null || _disposed)
            return;
        try
        {
            _output.Flush();
        }
        catch (IOException e)
        {
            Error = e;
        }
    }

    private void Record(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        if (offload.IsNone || (offload.GsoType == LinkGsoType.None && (offload.Flags & LinkOffloadFlags.NeedsChecksum) == 0))
        {
            Record(now, frame);
            return;
        }
        if (Error is not null || _disposed)
            return;
        if (!SoftwareOffload.TryCreate(frame, offload, _linkHeaderLength, out var cutter))
        {
            Record(now, frame); // not something we can cut: keep it as it was
            return;
        }
        if (_wire is null || _wire.Length < cutter.MaxFrameLength)
            _wire = new byte[Math.Max(cutter.MaxFrameLength, _inner.Capabilities.MaxFrameLength)];
        while (cutter.TryNext(_wire, out int length))
            Record(now, _wire.AsSpan(0, length));
    }

    private void Record(Instant now, ReadOnlySpan<byte> frame)
    {
        if (Error is not null || _disposed)
            return;
        long micros = _originUnixMicroseconds + (now - _originInstant).Ticks / 10;
        if (micros < 0)
            micros = 0;
        int captured = Math.Min(frame.Length, SnapLength);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(micros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(micros % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)frame.Length);
        Write(header, frame[..captured]);
        if (Error is null)
            RecordedFrames++;
    }

    private void Write(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        try
        {
            _output.Write(header);
            if (!body.IsEmpty)
                _output.Write(body);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException)
        {
            Error = e;
        }
    }

    /// <summary>Flushes the capture, closes the stream (unless left open) and disposes the inner link.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        Flush();
        _disposed = true;
        if (!_leaveOpen)
            _output.Dispose();
        _inner.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"pcap({_inner})";
}

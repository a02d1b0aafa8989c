namespace Teeceepee.Tcp;

public sealed partial class Tcb
{
    /// <summary>How long this connection stays in TIME-WAIT: 2×MSL (RFC 9293 §3.6.1).</summary>
    internal TimeSpan TimeWaitLength => _config.Msl + _config.Msl;

    /// <summary>
    /// The compact record that stands for this connection in TIME-WAIT (the host keeps it and drops the TCB): the
    /// sequence numbers and timestamp state its ACKs and RFC 6191 need, the window it last advertised.
    /// </summary>
    internal TimeWaitRecord ToTimeWaitRecord(Instant now)
    {
        long advertised = Math.Max(0, _rcv.AdvertisedEdge - _rcv.Nxt);
        long field = Math.Min((advertised + (1L << _rcv.Shift) - 1) >> _rcv.Shift, ushort.MaxValue);
        return new TimeWaitRecord
        {
            LocalAddress = LocalAddress,
            RemoteAddress = RemoteAddress,
            LocalPort = LocalPort,
            RemotePort = RemotePort,
            SendNext = _snd.Max,
            ReceiveNext = _rcv.Nxt,
            TsRecent = _tsRecent,
            TsOffset = _tsOffset,
            Window = (ushort)field,
            // The TCB does not age TS.Recent; the record counts its age from TIME-WAIT on (RFC 7323 §5.5).
            TsRecentStamp = _timestamps && _tsRecentValid ? TimeWaitRecord.StampOf(now) : TimeWaitRecord.NoTimestamps,
        };
    }
}

namespace Teeceepee.Wire;

/// <summary>The one control function a segment carries; illegal flag combinations never get this far.</summary>
public enum TcpControl : byte
{
    /// <summary>No SYN, FIN or RST (PSH is carried separately).</summary>
    None = 0,
    /// <summary>SYN: synchronise sequence numbers.</summary>
    Syn,
    /// <summary>FIN: no more data from the sender.</summary>
    Fin,
    /// <summary>RST: reset the connection.</summary>
    Rst,
}

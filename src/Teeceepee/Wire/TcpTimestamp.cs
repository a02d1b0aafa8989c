namespace Teeceepee.Wire;

/// <summary>The timestamps option (RFC 7323 §3): the sender's clock and the echoed peer clock.</summary>
public readonly record struct TcpTimestamp(uint Value, uint EchoReply);

using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>What one connection carried: bytes, their SHA-256 (hex), and how it ended.</summary>
internal sealed record StreamResult(long Bytes, string Sha256, TcpError Error, TcpState FinalState, string Detail = "");

using Teeceepee.Wire;

namespace Teeceepee.Udp;

/// <summary>A datagram waiting in a socket's receive queue: a pooled copy of its payload and who sent it.</summary>
internal readonly record struct ReceivedDatagram(byte[] Buffer, int Length, NetAddress Source, ushort SourcePort);

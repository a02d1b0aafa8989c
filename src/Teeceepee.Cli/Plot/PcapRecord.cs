namespace Teeceepee.Cli.Plot;

/// <summary>One captured frame: when (seconds since the Unix epoch) and its captured octets.</summary>
internal readonly record struct PcapRecord(double Time, byte[] Data);

namespace Teeceepee.Cli.Network;

/// <summary>A host name could not be resolved.</summary>
internal sealed class NameResolutionException : Exception
{
    public NameResolutionException() { }

    public NameResolutionException(string message) : base(message) { }

    public NameResolutionException(string message, Exception inner) : base(message, inner) { }

    /// <summary>True when the network has no DNS server to ask, so --dns, --dhcp or --resolve is the way.</summary>
    public bool DnsUnavailable { get; init; }
}

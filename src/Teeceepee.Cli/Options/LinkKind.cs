namespace Teeceepee.Cli.Options;

/// <summary>Which network a command runs on.</summary>
internal enum LinkKind
{
    /// <summary>No link option given.</summary>
    None,
    /// <summary>The host kernel's sockets (hidden <c>--kernel</c>; tests and the demo's kernel side).</summary>
    Kernel,
    /// <summary>The stack on a TAP device (Ethernet frames).</summary>
    Tap,
    /// <summary>The stack on a TUN device (bare IP packets).</summary>
    Tun,
    /// <summary>The stack on an existing interface through AF_PACKET.</summary>
    Raw,
}

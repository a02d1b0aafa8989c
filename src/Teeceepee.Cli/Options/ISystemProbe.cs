namespace Teeceepee.Cli.Options;

/// <summary>What the link checks need to know about the machine (faked in tests).</summary>
internal interface ISystemProbe
{
    /// <summary>True when a network interface of that name exists.</summary>
    bool InterfaceExists(string name);

    /// <summary>True when the interface is a TUN/TAP device.</summary>
    bool IsTunTap(string name);

    /// <summary>True when <c>/dev/net/tun</c> exists.</summary>
    bool TunControlExists { get; }

    /// <summary>True when the process may configure interfaces (root or CAP_NET_ADMIN).</summary>
    bool HasNetAdmin { get; }

    /// <summary>True when the process may open raw sockets (root or CAP_NET_RAW).</summary>
    bool HasNetRaw { get; }

    /// <summary>True when the directory exists.</summary>
    bool DirectoryExists(string path);

    /// <summary>Reads an environment variable.</summary>
    string? GetEnvironmentVariable(string name);
}

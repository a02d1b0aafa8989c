using System.Globalization;

namespace Teeceepee.Cli.Options;

/// <summary>The real machine: /sys/class/net, /dev/net/tun and the effective capabilities in /proc/self/status.</summary>
internal sealed class SystemProbe : ISystemProbe
{
    private const int CapNetAdmin = 12;
    private const int CapNetRaw = 13;

    /// <summary>The shared instance.</summary>
    public static SystemProbe Instance { get; } = new();

    public bool InterfaceExists(string name) => IsValidName(name) && Directory.Exists("/sys/class/net/" + name);

    // Only TUN/TAP devices have tun_flags in sysfs.
    public bool IsTunTap(string name) => IsValidName(name) && File.Exists($"/sys/class/net/{name}/tun_flags");

    public bool TunControlExists => File.Exists("/dev/net/tun");

    public bool HasNetAdmin => HasCapability(CapNetAdmin);

    public bool HasNetRaw => HasCapability(CapNetRaw);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string? GetEnvironmentVariable(string name) => Environment.GetEnvironmentVariable(name);

    private static bool IsValidName(string name) => name.Length is > 0 and < 16 && name.IndexOfAny(['/', '\0']) < 0 && name is not ("." or "..");

    private static bool HasCapability(int bit)
    {
        if (Environment.IsPrivilegedProcess)
            return true;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong caps))
                    return (caps & (1UL << bit)) != 0;
            }
        }
        catch (IOException)
        {
        }
        return false;
    }
}

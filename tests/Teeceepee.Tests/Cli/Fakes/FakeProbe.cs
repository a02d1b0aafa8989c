using Teeceepee.Cli.Options;

namespace Teeceepee.Tests.Cli.Fakes;

/// <summary>A configurable machine for link validation tests: by default root, /dev/net/tun present, interface eth0 only.</summary>
internal sealed class FakeProbe : ISystemProbe
{
    public HashSet<string> Interfaces { get; init; } = ["eth0", "lo"];
    public HashSet<string> TunTapDevices { get; init; } = [];
    public bool TunControlExists { get; init; } = true;
    public bool HasNetAdmin { get; init; } = true;
    public bool HasNetRaw { get; init; } = true;
    public Dictionary<string, string> Environment { get; init; } = [];

    public bool InterfaceExists(string name) => Interfaces.Contains(name) || TunTapDevices.Contains(name);

    public bool IsTunTap(string name) => TunTapDevices.Contains(name);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string? GetEnvironmentVariable(string name) => Environment.GetValueOrDefault(name);
}

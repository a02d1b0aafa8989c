using System.Net;

namespace Teeceepee.Cli.Options;

/// <summary>A static name entry (curl's <c>--resolve HOST:PORT:ADDR</c>); a null port matches any.</summary>
internal sealed record ResolveEntry(string Host, int? Port, IPAddress Address)
{
    /// <summary>True when this entry answers for <paramref name="host"/> on <paramref name="port"/>.</summary>
    public bool Matches(string host, int port) =>
        string.Equals(Host, host, StringComparison.OrdinalIgnoreCase) && (Port is null || Port == port);
}

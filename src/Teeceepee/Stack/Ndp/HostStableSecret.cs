using System.Security.Cryptography;
using System.Text;

namespace Teeceepee.Stack.Ndp;

/// <summary>
/// The default secret_key of RFC 7217 stable identifiers: the same on every start of this host, so an interface keeps
/// its address on a network across restarts (RFC 7217 §5), and unrelated to the addresses of any other host or program.
/// Derived from the host's machine ID (/etc/machine-id, else /var/lib/dbus/machine-id) by HMAC-SHA256 keyed with the ID
/// over a label of our own, as machine-id(5) asks of applications (never the ID itself): nothing is written to disk, root
/// and ordinary users get the same key, and a cloned machine that regenerates its ID gets a new one. A host without a
/// machine ID gets null (the stack then uses a random key per stack and says so in its trace).
/// </summary>
internal static class HostStableSecret
{
    /// <summary>What the machine ID is hashed over: names this use, so no other application's derived key matches ours.</summary>
    private const string Label = "teeceepee/rfc7217-stable-secret/v1";

    private static readonly string[] s_machineIdFiles = ["/etc/machine-id", "/var/lib/dbus/machine-id"];
    private static readonly Lazy<byte[]?> s_value = new(() => Load(s_machineIdFiles));

    /// <summary>This host's key (32 octets), or null when it has no machine ID.</summary>
    public static byte[]? Value => s_value.Value;

    /// <summary>The key from the first of <paramref name="machineIdFiles"/> that holds an ID; null when none does.</summary>
    internal static byte[]? Load(IEnumerable<string> machineIdFiles)
    {
        foreach (var path in machineIdFiles)
        {
            string id;
            try
            {
                id = File.ReadAllText(path).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (id.Length >= 16) // 32 hex digits; an empty or "uninitialized" file is no ID
                return Derive(Encoding.ASCII.GetBytes(id));
        }
        return null;
    }

    /// <summary>HMAC-SHA256(key = the machine ID, message = <see cref="Label"/>).</summary>
    internal static byte[] Derive(ReadOnlySpan<byte> machineId) => HMACSHA256.HashData(machineId, Encoding.ASCII.GetBytes(Label));
}

using System.Security.Cryptography;
using System.Text;

namespace Teeceepee.Cli.Socks;

/// <summary>The one username and password a SOCKS5 server accepts (RFC 1929), from <c>--user NAME:PASS</c>.</summary>
internal sealed record Socks5Credentials(string User, string Password)
{
    /// <summary>Parses NAME:PASS (the password may contain ':'); each 1..255 octets in UTF-8 (RFC 1929 §2).</summary>
    public static bool TryParse(string text, out Socks5Credentials? credentials, out string? error)
    {
        credentials = null;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"--user takes NAME:PASS, not '{text}'";
            return false;
        }
        string user = text[..colon], password = text[(colon + 1)..];
        if (Encoding.UTF8.GetByteCount(user) > 255 || Encoding.UTF8.GetByteCount(password) > 255)
        {
            error = "--user: the name and the password are 255 octets at most each (RFC 1929)";
            return false;
        }
        credentials = new Socks5Credentials(user, password);
        error = null;
        return true;
    }

    /// <summary>True when the octets a client sent match, compared in constant time.</summary>
    public bool Matches(ReadOnlySpan<byte> user, ReadOnlySpan<byte> password) =>
        CryptographicOperations.FixedTimeEquals(user, Encoding.UTF8.GetBytes(User))
        & CryptographicOperations.FixedTimeEquals(password, Encoding.UTF8.GetBytes(Password));

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{User}:***";
}

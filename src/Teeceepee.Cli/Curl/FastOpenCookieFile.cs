using System.Globalization;
using System.Net;

namespace Teeceepee.Cli.Curl;

/// <summary>
/// Where <c>teeceepee curl --tcp-fastopen</c> keeps the TCP Fast Open cookies servers gave it (RFC 7413 §4.1.3), so a
/// second run sends its request in the SYN as the kernel's curl does (the kernel keeps its cache across processes; each
/// CLI run has a fresh stack). One line per server, "ADDRESS HEXCOOKIE". The file is
/// <c>$TEECEEPEE_FASTOPEN_COOKIES</c>, else <c>$XDG_CACHE_HOME/teeceepee/tcp-fastopen</c>, else
/// <c>~/.cache/teeceepee/tcp-fastopen</c>. Unreadable lines are skipped: the cache is a hint, never an error.
/// </summary>
internal static class FastOpenCookieFile
{
    /// <summary>The environment variable that names the file (tests, or several caches side by side).</summary>
    public const string EnvironmentVariable = "TEECEEPEE_FASTOPEN_COOKIES";

    /// <summary>The cache file's path.</summary>
    public static string DefaultPath()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } explicitPath)
            return explicitPath;
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "teeceepee", "tcp-fastopen");
    }

    /// <summary>The cookies in <paramref name="path"/> (none when it is missing or unreadable).</summary>
    public static Dictionary<IPAddress, byte[]> Read(string path)
    {
        var cookies = new Dictionary<IPAddress, byte[]>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return cookies;
        }
        foreach (string line in lines)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || !TryParseHex(parts[1], out var cookie))
                continue;
            cookies[address] = cookie;
        }
        return cookies;
    }

    /// <summary>Writes <paramref name="cookies"/> over what <paramref name="path"/> held for the same servers (others kept); false if it could not.</summary>
    public static bool Merge(string path, IEnumerable<KeyValuePair<IPAddress, byte[]>> cookies)
    {
        var all = Read(path);
        bool changed = false;
        foreach (var (address, cookie) in cookies)
        {
            if (all.TryGetValue(address, out var old) && old.AsSpan().SequenceEqual(cookie))
                continue;
            all[address] = cookie;
            changed = true;
        }
        if (!changed)
            return true;
        try
        {
            if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
                Directory.CreateDirectory(directory);
            string temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllLines(temporary, all.Select(e => $"{e.Key} {Convert.ToHexStringLower(e.Value)}"));
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool TryParseHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length is < 8 or > 32 || text.Length % 2 != 0)
            return false;
        bytes = new byte[text.Length / 2];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!byte.TryParse(text.AsSpan(2 * i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[i]))
                return false;
        }
        return true;
    }
}

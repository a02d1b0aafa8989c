using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Teeceepee.Cli.Options;

/// <summary>
/// <c>--heap-limit SIZE</c> (every command): a hard limit on the managed heap (the GC's <c>GCHeapHardLimit</c>). The GC
/// reads its configuration when the runtime starts, but since .NET 8 a running process may set
/// <c>AppContext.SetData("GCHeapHardLimit", bytes)</c> and call <see cref="GC.RefreshMemoryLimit"/>, which the CLI does
/// before the command runs (no re-exec, no environment variable). An allocation past the limit throws
/// <see cref="OutOfMemoryException"/>; the GC collects harder as the heap nears it.
/// </summary>
internal static class HeapLimit
{
    /// <summary>The smallest limit accepted: below it the CLI's own start-up does not fit.</summary>
    public const long Minimum = 32L << 20;

    /// <summary>The option, recursive so that every command takes it.</summary>
    public static Option<string?> CreateOption() => new("--heap-limit")
    {
        Description = "Hard limit on the managed heap, like 512m or 2g (binary units; 500mb is SI); the GC collects harder near it and an allocation past it fails. Default: no limit",
        HelpName = "SIZE",
        Recursive = true,
    };

    /// <summary>Parses <c>N</c>, <c>Nk/Nm/Ng</c> (also <c>kib/mib/gib</c>: binary) or <c>Nkb/Nmb/Ngb</c> (SI), N may have decimals.</summary>
    public static bool TryParse(string text, out long bytes, [NotNullWhen(false)] out string? error)
    {
        bytes = 0;
        string t = text.Trim().ToLowerInvariant();
        (int cut, double factor) = t switch
        {
            _ when t.EndsWith("kib", StringComparison.Ordinal) => (3, 1024.0),
            _ when t.EndsWith("mib", StringComparison.Ordinal) => (3, 1024.0 * 1024),
            _ when t.EndsWith("gib", StringComparison.Ordinal) => (3, 1024.0 * 1024 * 1024),
            _ when t.EndsWith("kb", StringComparison.Ordinal) => (2, 1e3),
            _ when t.EndsWith("mb", StringComparison.Ordinal) => (2, 1e6),
            _ when t.EndsWith("gb", StringComparison.Ordinal) => (2, 1e9),
            _ when t.EndsWith('k') => (1, 1024.0),
            _ when t.EndsWith('m') => (1, 1024.0 * 1024),
            _ when t.EndsWith('g') => (1, 1024.0 * 1024 * 1024),
            _ when t.EndsWith('b') => (1, 1),
            _ => (0, 1),
        };
        if (!double.TryParse(t[..^cut], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value <= 0 || value * factor > 1L << 50)
        {
            error = $"--heap-limit {text}: expected a size like 512m, 2g or 1500000000";
            return false;
        }
        bytes = (long)Math.Round(value * factor);
        if (bytes < Minimum)
        {
            error = $"--heap-limit {text}: the limit must be at least 32m";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>
    /// Sets the GC's hard limit to <paramref name="bytes"/> in this running process; false with a sentence when the GC
    /// refuses (more is already committed than the limit allows) or does not take it.
    /// </summary>
    public static bool TryApply(long bytes, [NotNullWhen(false)] out string? error)
    {
        AppContext.SetData("GCHeapHardLimit", (ulong)bytes);
        try
        {
            GC.RefreshMemoryLimit();
        }
        catch (InvalidOperationException e)
        {
            error = $"--heap-limit {bytes / 1048576} MiB was refused by the GC: {e.Message.TrimEnd('.')}";
            return false;
        }
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > bytes)
        {
            error = $"--heap-limit {bytes / 1048576} MiB did not take effect (the GC reports {available / 1048576} MiB available); set DOTNET_GCHeapHardLimit=0x{bytes:X} in the environment instead";
            return false;
        }
        error = null;
        return true;
    }
}

namespace Teeceepee.Cli.Http;

/// <summary>Content types by file extension for the static server.</summary>
internal static class MimeTypes
{
    private static readonly Dictionary<string, string> s_types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".json"] = "application/json",
        [".xml"] = "application/xml",
        [".csv"] = "text/csv; charset=utf-8",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".svg"] = "image/svg+xml",
        [".ico"] = "image/x-icon",
        [".webp"] = "image/webp",
        [".pdf"] = "application/pdf",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
        [".tar"] = "application/x-tar",
        [".wasm"] = "application/wasm",
        [".mp4"] = "video/mp4",
        [".mp3"] = "audio/mpeg",
        [".pcap"] = "application/vnd.tcpdump.pcap",
    };

    /// <summary>The content type for <paramref name="path"/>; unknown extensions are octet streams.</summary>
    public static string For(string path) =>
        s_types.TryGetValue(Path.GetExtension(path), out var type) ? type : "application/octet-stream";
}

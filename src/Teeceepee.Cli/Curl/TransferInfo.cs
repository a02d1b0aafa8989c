using System.Net;

namespace Teeceepee.Cli.Curl;

/// <summary>What a <c>curl</c> transfer did, for <c>-w</c> (curl's write-out variables).</summary>
internal sealed class TransferInfo
{
    /// <summary>The last response's status code (0: none).</summary>
    public int HttpCode { get; set; }

    /// <summary>Body bytes received in the last response.</summary>
    public long SizeDownload { get; set; }

    /// <summary>Start to end of the whole operation.</summary>
    public TimeSpan TimeTotal { get; set; }

    /// <summary>Start until the TCP connection was up (0 when a kept-alive connection was reused).</summary>
    public TimeSpan TimeConnect { get; set; }

    /// <summary>Start until the response head arrived.</summary>
    public TimeSpan TimeStartTransfer { get; set; }

    /// <summary>The last URL fetched.</summary>
    public string UrlEffective { get; set; } = "";

    /// <summary>The peer of the last connection made.</summary>
    public IPEndPoint? Remote { get; set; }

    /// <summary>"1.1" or "2" (curl's http_version), "0" before any response.</summary>
    public string HttpVersion { get; set; } = "0";

    /// <summary>Redirects followed.</summary>
    public int Redirects { get; set; }

    /// <summary>The last response's Content-Type, if any.</summary>
    public string? ContentType { get; set; }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; set; }

    /// <summary>Average download speed in bytes per second.</summary>
    public long SpeedDownload => TimeTotal > TimeSpan.Zero ? (long)(SizeDownload / TimeTotal.TotalSeconds) : 0;
}

using System.Globalization;
using System.Text;

namespace Teeceepee.Cli.Curl;

/// <summary>
/// curl's <c>-w</c>/<c>--write-out</c> format: <c>%{name}</c> variables (a useful subset), <c>%%</c>,
/// and the escapes <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\\</c>. Unknown variables print a warning once, as curl does.
/// </summary>
internal static class WriteOut
{
    /// <summary>The variables understood.</summary>
    public static readonly IReadOnlyList<string> Variables =
    [
        "http_code", "response_code", "size_download", "time_total", "time_connect", "time_starttransfer", "speed_download",
        "url_effective", "remote_ip", "remote_port", "http_version", "num_redirects", "content_type", "exitcode",
    ];

    /// <summary>Expands <paramref name="format"/> for <paramref name="info"/>; unknown variables are reported to <paramref name="warnings"/>.</summary>
    public static string Format(string format, TransferInfo info, TextWriter? warnings = null)
    {
        var output = new StringBuilder(format.Length + 32);
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c == '%' && i + 1 < format.Length && format[i + 1] == '%')
            {
                output.Append('%');
                i++;
            }
            else if (c == '%' && i + 1 < format.Length && format[i + 1] == '{' && format.IndexOf('}', i + 2) is int end and > 0)
            {
                string name = format[(i + 2)..end];
                if (Value(name, info) is { } value)
                    output.Append(value);
                else
                    warnings?.WriteLine($"curl: unknown --write-out variable: '{name}'");
                i = end;
            }
            else if (c == '\\' && i + 1 < format.Length && format[i + 1] is 'n' or 'r' or 't' or '\\')
            {
                output.Append(format[i + 1] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', _ => '\\' });
                i++;
            }
            else
            {
                output.Append(c);
            }
        }
        return output.ToString();
    }

    private static string? Value(string name, TransferInfo info) => name switch
    {
        "http_code" or "response_code" => info.HttpCode.ToString("000", CultureInfo.InvariantCulture),
        "size_download" => info.SizeDownload.ToString(CultureInfo.InvariantCulture),
        "time_total" => Seconds(info.TimeTotal),
        "time_connect" => Seconds(info.TimeConnect),
        "time_starttransfer" => Seconds(info.TimeStartTransfer),
        "speed_download" => info.SpeedDownload.ToString(CultureInfo.InvariantCulture),
        "url_effective" => info.UrlEffective,
        "remote_ip" => info.Remote?.Address.ToString() ?? "",
        "remote_port" => info.Remote?.Port.ToString(CultureInfo.InvariantCulture) ?? "",
        "http_version" => info.HttpVersion,
        "num_redirects" => info.Redirects.ToString(CultureInfo.InvariantCulture),
        "content_type" => info.ContentType ?? "",
        "exitcode" => info.ExitCode.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    // curl prints times in seconds with six decimals.
    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);
}

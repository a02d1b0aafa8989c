using System.Diagnostics;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary><c>ip netns exec NS sh -c COMMAND</c> start info (as TestNetwork builds it).</summary>
internal static class TestNetworkShell
{
    public static ProcessStartInfo StartInfo(string ns, string command)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", ns, "sh", "-c", command })
            info.ArgumentList.Add(arg);
        return info;
    }
}

namespace Teeceepee.IntegrationTests.Infrastructure;

public class TestNetworkTests
{
    [NetworkTheory]
    [InlineData(TestNetworkKind.Tap)]
    [InlineData(TestNetworkKind.Tun)]
    [InlineData(TestNetworkKind.Veth)]
    public async Task Dispose_RemovesNamespacesDevicesAndProcesses(TestNetworkKind kind)
    {
        var net = TestNetwork.Create(kind, "fixture");
        string[] namespaces = net.StackNamespace is null ? [net.Namespace] : [net.Namespace, net.StackNamespace];
        Assert.All(namespaces, ns => Assert.Contains(ns, ListNamespaces()));
        Assert.Contains($"inet {TestNetwork.KernelAddress}/24", net.Exec($"ip addr show {net.KernelDevice}"), StringComparison.Ordinal);
        var sleeper = net.StartProcess("sleep 600");
        Assert.True(sleeper.IsRunning);
        var result = await net.RunAsync("echo out; echo err >&2; exit 3", TimeSpan.FromSeconds(10));
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);

        await net.DisposeAsync();

        Assert.False(sleeper.IsRunning);
        Assert.False(Directory.Exists($"/proc/{sleeper.Id}"));
        Assert.All(namespaces, ns => Assert.DoesNotContain(ns, ListNamespaces()));
        Assert.False(Teeceepee.Interop.NetDevice.Exists(net.StackDevice));
    }

    [NetworkFact]
    public async Task RunAsync_TimesOut_KillsAndReports()
    {
        await using var net = TestNetwork.CreateTap("fixture");
        var error = await Assert.ThrowsAsync<TimeoutException>(() => net.RunAsync("echo started; sleep 30", TimeSpan.FromMilliseconds(500)));
        Assert.Contains("started", error.Message, StringComparison.Ordinal);
    }

    [NetworkFact]
    public void Exec_Failure_ThrowsWithOutput()
    {
        using var net = TestNetwork.CreateTap("fixture");
        var error = Assert.Throws<InvalidOperationException>(() => net.Exec("echo nope >&2; false"));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [NetworkFact]
    public void Names_AreUniquePerNetwork()
    {
        using var a = TestNetwork.CreateTap("fixture");
        using var b = TestNetwork.CreateTap("fixture");
        Assert.NotEqual(a.Namespace, b.Namespace);
        Assert.NotEqual(a.StackDevice, b.StackDevice);
        Assert.StartsWith($"fixture-{Environment.ProcessId}-", a.Namespace, StringComparison.Ordinal);
        Assert.True(a.StackDevice.Length <= 15);
    }

    private static int RunIp(params string[] args)
    {
        using var p = System.Diagnostics.Process.Start("ip", args)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static string ListNamespaces()
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip", "netns list") { RedirectStandardOutput = true })!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text;
    }

    [NetworkFact]
    public void ReapStale_RemovesNamespacesOfDeadTestProcesses()
    {
        int deadPid;
        using (var gone = System.Diagnostics.Process.Start("true")!)
        {
            gone.WaitForExit();
            deadPid = gone.Id;
        }
        string stale = $"reap-{deadPid}-1";
        string live = $"reap-{Environment.ProcessId}-1";
        try
        {
            foreach (var (ns, pid) in new[] { (stale, deadPid), (live, Environment.ProcessId) })
            {
                Assert.Equal(0, RunIp("netns", "add", ns));
                Directory.CreateDirectory(TestNetwork.MarkerDirectory);
                File.WriteAllText(Path.Combine(TestNetwork.MarkerDirectory, ns), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Assert.Contains(stale, ListNamespaces());

            TestNetwork.ReapStale(again: true);

            Assert.DoesNotContain(stale, ListNamespaces());
            Assert.Contains(live, ListNamespaces()); // this process is alive: its namespaces stay
        }
        finally
        {
            foreach (var ns in new[] { stale, live })
            {
                RunIp("netns", "del", ns);
                File.Delete(Path.Combine(TestNetwork.MarkerDirectory, ns));
            }
        }
    }
}

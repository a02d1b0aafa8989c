using System.Globalization;
using System.Text;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>Runs one <see cref="TransferScenario"/>: connect, transfer both ways with half-closes, close, wait out TIME-WAIT.</summary>
internal static class TransferRun
{
    public const ushort Port = 80;

    /// <summary>Virtual time a run may take before it counts as stuck (the user timeout ends a hopeless one long before).</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(30);

    public static async Task<TransferOutcome> ExecuteAsync(TransferScenario scenario, bool trace = false, int traceLimit = 400, bool traceFrames = false, TimeSpan? limit = null)
    {
        await using var net = new SimNetwork(scenario.Seed, scenario.Faults, scenario.Tcp, scenario.Mtu, trace: trace, traceLimit: traceLimit, traceFrames: traceFrames,
            segmentationOffload: scenario.SegmentationOffload);
        var payloads = new Random(scenario.Seed ^ 0x5EED);
        var up = new byte[scenario.UpBytes];
        var down = new byte[scenario.DownBytes];
        payloads.NextBytes(up);
        payloads.NextBytes(down);

        var listener = net.TcpB.Listen(new TcpEndpoint(SimNetwork.AddressB, Port));
        var start = net.Now;
        var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, Port));
        using var transfer = new DuplexTransfer(client, up, down);
        var scratch = new byte[64 * 1024];
        bool ended = net.RunUntil(() =>
        {
            if (transfer.Server is null && listener.TryAccept(out var server))
                transfer.AttachServer(server);
            transfer.Pump(scratch);
            return transfer.Finished || transfer.Failed || transfer.Up.FirstMismatch >= 0 || transfer.Down.FirstMismatch >= 0;
        }, limit ?? Limit);
        var elapsed = net.Now - start;

        // TIME-WAIT (2 MSL) and every other trace of the connection must go away.
        bool drained = false;
        if (ended && transfer.Complete && !transfer.Failed)
            drained = net.RunUntil(() => net.TcpA.ConnectionCount == 0 && net.TcpB.ConnectionCount == 0, TimeSpan.FromSeconds(10) + 2 * scenario.Tcp.Msl);

        bool corrupted = transfer.Up.FirstMismatch >= 0 || transfer.Down.FirstMismatch >= 0
            || (transfer.Up.Complete && !transfer.Up.ReceivedHash.AsSpan().SequenceEqual(transfer.Up.ExpectedHash))
            || (transfer.Down.Complete && !transfer.Down.ReceivedHash.AsSpan().SequenceEqual(transfer.Down.ExpectedHash));
        var detail = new StringBuilder();
        detail.Append(scenario.Describe()).AppendLine();
        detail.Append(CultureInfo.InvariantCulture, $"ended {ended} after {elapsed.TotalSeconds:F3} s virtual, {net.Polls} polls, drained {drained} (connections left A {net.TcpA.ConnectionCount} B {net.TcpB.ConnectionCount})").AppendLine();
        detail.Append(transfer.Describe()).AppendLine();
        detail.Append(CultureInfo.InvariantCulture, $"client info {client.GetInfo()}").AppendLine();
        if (transfer.Server is { } s)
            detail.Append(CultureInfo.InvariantCulture, $"server info {s.GetInfo()}").AppendLine();
        detail.Append(CultureInfo.InvariantCulture, $"faults A->B {Describe(net.FaultsA.Outbound)}; B->A {Describe(net.FaultsB.Outbound)}").AppendLine();
        detail.Append(CultureInfo.InvariantCulture, $"drops A {net.A.Stats.Drops}; B {net.B.Stats.Drops}").AppendLine();
        long superFrames = net.A.Stats.SuperFramesOut + net.B.Stats.SuperFramesOut;
        if (scenario.SegmentationOffload)
            detail.Append(CultureInfo.InvariantCulture, $"super-segments A {net.A.Stats.SuperFramesOut} B {net.B.Stats.SuperFramesOut}").AppendLine();
        foreach (var line in net.TraceTail)
            detail.AppendLine(line);
        return new TransferOutcome(ended, transfer.Complete, transfer.Failed, corrupted, drained, elapsed, net.Polls, detail.ToString())
        {
            SuperFrames = superFrames,
        };
    }

    private static string Describe(Teeceepee.Links.FaultCounters c) => string.Create(CultureInfo.InvariantCulture,
        $"frames {c.Frames} lost {c.Lost} dup {c.Duplicated} reord {c.Reordered} corrupt {c.Corrupted} overflow {c.Overflowed}");
}

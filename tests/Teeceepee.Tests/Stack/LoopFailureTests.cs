using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.Tests.Stack;

public class LoopFailureTests
{
    /// <summary>A link that works until told to fail, like a TAP whose device was deleted.</summary>
    private sealed class BreakableLink : ILink
    {
        public volatile bool Broken;
        public LinkCapabilities Capabilities { get; } = new(LinkMedium.Ethernet, 1500);
        public int ReadinessFd => -1;
        public Instant NextDeadline => Instant.MaxValue;
        public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
        {
            if (Broken)
                throw new IOException("device gone");
            length = 0;
            offload = LinkOffload.None;
            return false;
        }
        public bool TrySend(Instant now, in LinkFrame frame) => true;
        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task LinkFailure_StopsTheLoop_AndFailsWaitersInsteadOfHanging()
    {
        var link = new BreakableLink();
        await using var stack = new NetworkStack(link, new NetworkStackOptions { Address = Simulation.AddressA });
        stack.Start();
        var socket = new UdpSocket(stack, 5);
        var receive = socket.ReceiveFromAsync(new byte[10]).AsTask();
        var ping = stack.PingAsync(Simulation.AddressB, 56, TimeSpan.FromSeconds(30)).AsTask();
        await Task.Delay(50);
        link.Broken = true;

        await Assert.ThrowsAsync<IOException>(() => ping.WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAnyAsync<Exception>(() => receive.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.IsType<IOException>(stack.LoopError);
        Assert.False(stack.IsRunning);
        await Assert.ThrowsAsync<IOException>(async () => await socket.SendToAsync(new byte[1], Simulation.AddressB, 5).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
        socket.Dispose();
    }
}

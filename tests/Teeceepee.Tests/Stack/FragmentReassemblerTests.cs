using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

public class FragmentReassemblerTests
{
    private static readonly FragmentKey s_key = new(IPv4Address.Parse("198.18.0.1"), IPv4Address.Parse("198.18.0.2"), 17, 42);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static byte[] Data(int length)
    {
        var d = new byte[length];
        for (int i = 0; i < length; i++)
            d[i] = (byte)(i * 13);
        return d;
    }

    private static ReassemblyOutcome Add(FragmentReassembler r, byte[] data, int offset, int length, bool more, out byte[] whole, out DropReason reason, Instant? at = null)
    {
        var outcome = r.Add(at ?? Instant.Zero, s_key, offset, more, data.AsSpan(offset, length), default, out var datagram, out reason);
        whole = datagram.ToArray();
        return outcome;
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 })]
    [InlineData(new[] { 3, 2, 1, 0 })]
    [InlineData(new[] { 2, 0, 3, 1 })]
    public void AnyOrder_Reassembles(int[] order)
    {
        var r = new FragmentReassembler(4, 100_000, 16, s_timeout);
        var data = Data(1000);
        int[] offsets = [0, 256, 512, 768];
        byte[] whole = [];
        for (int i = 0; i < order.Length; i++)
        {
            int k = order[i];
            int length = k == 3 ? 1000 - 768 : 256;
            var outcome = Add(r, data, offsets[k], length, more: k != 3, out whole, out _);
            Assert.Equal(i == order.Length - 1 ? ReassemblyOutcome.Complete : ReassemblyOutcome.Held, outcome);
        }
        Assert.Equal(data, whole);
        r.ReleaseCompleted();
        Assert.Equal(0, r.HeldBytes);
        Assert.Equal(0, r.ActiveCount);
    }

    [Theory]
    [InlineData(0, 264)]    // covers the start of the second fragment
    [InlineData(248, 16)]   // straddles the boundary
    [InlineData(256, 128)]  // inside the second fragment
    [InlineData(8, 8)]      // inside the first
    public void Overlap_DiscardsTheDatagram(int offset, int length)
    {
        var r = new FragmentReassembler(4, 100_000, 16, s_timeout);
        var data = Data(1000);
        Add(r, data, 0, 256, true, out _, out _);
        Add(r, data, 256, 256, true, out _, out _);
        Assert.Equal(ReassemblyOutcome.Dropped, Add(r, data, offset, length, true, out _, out var reason));
        Assert.Equal(DropReason.FragmentOverlap, reason);
        Assert.Equal(0, r.HeldBytes);
        Assert.Equal(ReassemblyOutcome.Dropped, Add(r, data, 512, 488, false, out _, out reason));
        Assert.Equal(DropReason.FragmentOfDiscardedDatagram, reason);
    }

    [Fact]
    public void ConflictingFinalFragments_AreBogus()
    {
        var r = new FragmentReassembler(4, 100_000, 16, s_timeout);
        var data = Data(1000);
        Add(r, data, 512, 488, false, out _, out _);
        Assert.Equal(ReassemblyOutcome.Dropped, Add(r, data, 256, 400, false, out _, out var reason));
        Assert.Equal(DropReason.BogusFragment, reason);
    }

    [Fact]
    public void DataBeyondTheFinalFragment_IsBogus()
    {
        var r = new FragmentReassembler(4, 100_000, 16, s_timeout);
        var data = Data(2000);
        Add(r, data, 504, 496, false, out _, out _);                     // the datagram ends at 1000
        Assert.Equal(ReassemblyOutcome.Dropped, Add(r, data, 1000, 8, true, out _, out var reason));
        Assert.Equal(DropReason.BogusFragment, reason);
    }

    [Fact]
    public void TooManyFragments_DiscardsTheDatagram()
    {
        var r = new FragmentReassembler(4, 100_000, 3, s_timeout);
        var data = Data(1000);
        for (int i = 0; i < 3; i++)
            Assert.Equal(ReassemblyOutcome.Held, Add(r, data, i * 8, 8, true, out _, out _));
        Assert.Equal(ReassemblyOutcome.Dropped, Add(r, data, 24, 8, true, out _, out var reason));
        Assert.Equal(DropReason.TooManyFragments, reason);
        Assert.Equal(0, r.HeldBytes);
    }

    [Fact]
    public void Timeout_FreesTheSlot_AndReturnsTheFirstFragmentsQuote()
    {
        var r = new FragmentReassembler(1, 100_000, 16, s_timeout);
        var data = Data(100);
        var quote = new byte[] { 0x45, 1, 2, 3 };
        r.Add(Instant.Zero, s_key, 0, true, data.AsSpan(0, 48), quote, out _, out _);
        Assert.Equal(Instant.Zero + s_timeout, r.PollAt());
        var buffer = new byte[Reassembly.QuoteCapacity];
        Assert.False(r.TryExpire(Instant.Zero + s_timeout - TimeSpan.FromTicks(1), buffer, out _, out _, out _));
        Assert.True(r.TryExpire(Instant.Zero + s_timeout, buffer, out int n, out var key, out bool discarded));
        Assert.Equal(quote, buffer.AsSpan(0, n).ToArray());
        Assert.Equal(s_key, key);
        Assert.False(discarded);
        Assert.Equal(0, r.HeldBytes);
        Assert.Equal(0, r.ActiveCount);
        Assert.Equal(Instant.MaxValue, r.PollAt());
    }
}

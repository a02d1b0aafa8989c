

namespace Teeceepee.Tests;

/// <summary>Issue 13 item 2: the rings' pool hands arrays back without allocating and frees what an interval did not use.</summary>
public class TrimmingArrayPoolTests
{
    [Fact]
    public void RentReturn_SameArrayBack_PowerOfTwoLength()
    {
        var pool = new TrimmingArrayPool(4);
        var a = pool.Rent(1000);
        Assert.Equal(1024, a.Length);
        pool.Return(a);
        Assert.Same(a, pool.Rent(700));
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void Return_PastTheCap_ArrayLeftToTheGc()
    {
        var pool = new TrimmingArrayPool(2);
        var arrays = Enumerable.Range(0, 3).Select(_ => pool.Rent(4096)).ToList();
        arrays.ForEach(a => pool.Return(a));
        Assert.Equal(2 * 4096, pool.RetainedBytes);
    }

    [Fact]
    public void Trim_FreesOnlyWhatStayedUnusedForAWholeInterval()
    {
        var pool = new TrimmingArrayPool(16);
        // A burst: 10 rings in use at once, then all back.
        var burst = Enumerable.Range(0, 10).Select(_ => pool.Rent(4096)).ToList();
        burst.ForEach(a => pool.Return(a));
        Assert.Equal(0, pool.Trim()); // first interval: the pool started empty, so nothing was unused all along

        // Next interval: the working set is 3 rings at a time.
        for (int round = 0; round < 5; round++)
        {
            var inUse = Enumerable.Range(0, 3).Select(_ => pool.Rent(4096)).ToList();
            inUse.ForEach(a => pool.Return(a));
        }
        Assert.Equal(7 * 4096, pool.Trim()); // depth never went below 7: those 7 go
        Assert.Equal(3 * 4096, pool.RetainedBytes);

        // An idle interval frees the rest; a ring rented afterwards is a new array.
        Assert.Equal(3 * 4096, pool.Trim());
        Assert.Equal(0, pool.RetainedBytes);
        var fresh = pool.Rent(4096);
        Assert.DoesNotContain(burst, a => ReferenceEquals(a, fresh)); // by reference: xUnit compares arrays element-wise
    }
}

using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

/// <summary>A block that counts its holds, for tests of what TCP retains and releases.</summary>
internal sealed class TestRetainableBlock(int size) : RetainableBlock(new byte[size])
{
    private int _holds;

    /// <summary>Holds TCP has now (retains minus releases).</summary>
    public int Holds => Volatile.Read(ref _holds);

    /// <summary>Retains so far.</summary>
    public int Retains { get; private set; }

    /// <summary>Set when a release went below zero.</summary>
    public bool OverReleased { get; private set; }

    public override void Retain()
    {
        Interlocked.Increment(ref _holds);
        Retains++;
    }

    public override void Release()
    {
        if (Interlocked.Decrement(ref _holds) < 0)
            OverReleased = true;
    }

    protected override void Dispose(bool disposing)
    {
    }
}

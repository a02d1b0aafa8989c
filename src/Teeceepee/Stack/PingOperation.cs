using Teeceepee.Stack.Loop;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>One echo request in flight (RFC 792): pooled, completed by the reply, an ICMP error, ARP failure or its timeout.</summary>
internal sealed class PingOperation : LoopOperation<PingReply>
{
    public NetAddress Destination;
    public int DataSize;
    public TimeSpan Timeout;
    public byte TimeToLive;
    public bool DontFragment;
    public ushort Sequence;
    public Instant SentAt;
    public Instant Deadline;

    /// <summary>Posts a ping to <paramref name="stack"/>.</summary>
    public ValueTask<PingReply> Start(NetworkStack stack, NetAddress destination, int dataSize, TimeSpan timeout, byte timeToLive, bool dontFragment, CancellationToken cancellationToken)
    {
        Destination = destination;
        DataSize = dataSize;
        Timeout = timeout;
        TimeToLive = timeToLive;
        DontFragment = dontFragment;
        return Start(stack, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now) => stack.StartPing(now, this);

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack) => stack.RemovePing(this);

    /// <summary>Completes with a status other than success.</summary>
    public void Complete(PingStatus status, NetAddress from, Instant now, byte ttl = 0) =>
        Complete(new PingReply(status, from, status == PingStatus.TimedOut ? TimeSpan.Zero : now - SentAt, ttl, Sequence, 0));

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<PingOperation>.Return(this);
}

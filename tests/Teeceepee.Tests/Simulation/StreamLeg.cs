using System.Security.Cryptography;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// One direction of a transfer: the sender queues <see cref="Data"/> as buffer space allows (then
/// half-closes), the receiver drains what arrives. Received bytes are hashed (SHA-256) and also compared
/// as they come, so a failure can name the first wrong offset.
/// </summary>
internal sealed class StreamLeg : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? _receivedHash;

    public StreamLeg(byte[] data, bool shutdownWhenSent = true)
    {
        Data = data;
        ShutdownWhenSent = shutdownWhenSent;
    }

    public byte[] Data { get; }
    public bool ShutdownWhenSent { get; set; }
    public int Sent { get; private set; }
    public long Received { get; private set; }
    public bool ShutdownDone { get; private set; }

    /// <summary>Offset of the first received byte that differs from <see cref="Data"/> (or lies past its end), or -1.</summary>
    public long FirstMismatch { get; private set; } = -1;

    /// <summary>Where the wrong bytes seem to come from (their first 32 octets found elsewhere in the stream), for diagnosis.</summary>
    public string MismatchDetail { get; private set; } = "";

    /// <summary>True once every byte arrived and the receiver saw the end of the stream.</summary>
    public bool Complete { get; private set; }

    /// <summary>Queues more data on <paramref name="sender"/> and drains <paramref name="receiver"/> (either may be null before the handshake).</summary>
    public void Pump(Tcb? sender, Tcb? receiver, Span<byte> scratch)
    {
        if (sender is not null)
        {
            if (Sent < Data.Length && sender.IsSendOpen)
                Sent += sender.Send(Data.AsSpan(Sent));
            if (Sent == Data.Length && ShutdownWhenSent && !ShutdownDone && sender.IsSendOpen)
            {
                sender.Shutdown();
                ShutdownDone = true;
            }
        }
        if (receiver is null || Complete)
            return;
        int n;
        while ((n = receiver.Receive(scratch)) > 0)
        {
            var chunk = scratch[..n];
            if (FirstMismatch < 0)
            {
                long available = Math.Max(0, Data.Length - Received);
                int comparable = (int)Math.Min(n, available);
                int diff = chunk[..comparable].CommonPrefixLength(Data.AsSpan((int)Received, comparable));
                if (diff < n)
                {
                    FirstMismatch = Received + diff;
                    MismatchDetail = DescribeMismatch(chunk[diff..], FirstMismatch);
                }
            }
            _hash.AppendData(chunk);
            Received += n;
        }
        if (Received == Data.Length && receiver.IsReceiveFinished && receiver.Error == TcpError.None)
        {
            Complete = true;
            _receivedHash = _hash.GetHashAndReset();
        }
    }

    private string DescribeMismatch(ReadOnlySpan<byte> wrong, long at)
    {
        var probe = wrong[..Math.Min(32, wrong.Length)];
        var found = new List<long>();
        int from = 0;
        while (found.Count < 4)
        {
            int i = Data.AsSpan(from).IndexOf(probe);
            if (i < 0)
                break;
            found.Add(from + i);
            from += i + 1;
        }
        int run = 0;
        while (run < wrong.Length && at + run < Data.Length && wrong[run] != Data[at + run])
            run++;
        return $"wrong bytes at {at}: {Convert.ToHexString(probe)}; expected {Convert.ToHexString(Data.AsSpan((int)at, (int)Math.Min(32, Data.Length - at)))}; "
            + $"first {run} differ; found in the stream at [{string.Join(", ", found)}] (delta {(found.Count > 0 ? (found[0] - at).ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")})";
    }

    /// <summary>SHA-256 of what arrived (valid once <see cref="Complete"/>).</summary>
    public byte[] ReceivedHash => _receivedHash ?? _hash.GetCurrentHash();

    public byte[] ExpectedHash => SHA256.HashData(Data);

    public override string ToString() => $"{Received}/{Data.Length} B received, sent {Sent}, mismatch at {FirstMismatch} {MismatchDetail}";

    public void Dispose() => _hash.Dispose();
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Teeceepee;

/// <summary>
/// A snapshot of drop counters indexed by a byte-sized reason enum (<see cref="Stack.DropReason"/>,
/// <see cref="Tcp.TcpDropReason"/>): one slot per possible value, so counting is one array increment.
/// </summary>
public abstract class ReasonCounts<TReason>
    where TReason : unmanaged, Enum
{
    private readonly long[] _counts;

    private protected ReasonCounts(long[] counts)
    {
        if (Unsafe.SizeOf<TReason>() != 1)
            throw new ArgumentException($"{typeof(TReason).Name} must be a byte enum.", nameof(counts));
        _counts = counts;
    }

    /// <summary>How many frames, packets or segments were dropped for <paramref name="reason"/>.</summary>
    public long this[TReason reason] => _counts[Unsafe.As<TReason, byte>(ref reason)];

    /// <summary>All drops together.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            foreach (long c in _counts)
                total += c;
            return total;
        }
    }

    /// <summary>The reasons with a non-zero count, in enum order.</summary>
    public IReadOnlyList<KeyValuePair<TReason, long>> NonZero
    {
        get
        {
            var list = new List<KeyValuePair<TReason, long>>();
            for (int i = 0; i < _counts.Length; i++)
            {
                if (_counts[i] != 0)
                {
                    byte value = (byte)i;
                    list.Add(new(Unsafe.As<byte, TReason>(ref value), _counts[i]));
                }
            }
            return list;
        }
    }

    /// <summary>"Reason=count, ..." for the non-zero reasons, or "none".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (reason, count) in NonZero)
            sb.Append(CultureInfo.InvariantCulture, $"{(sb.Length == 0 ? "" : ", ")}{reason}={count}");
        return sb.Length == 0 ? "none" : sb.ToString();
    }
}

using System.Globalization;
using System.Text;

namespace Teeceepee.Tcp;

/// <summary>A snapshot of TCP's drop counters, one per <see cref="TcpDropReason"/>.</summary>
public sealed class TcpDropCounts
{
    /// <summary>Slots in a live counter array: one per possible reason value.</summary>
    internal const int Size = 256;

    private readonly long[] _counts;

    internal TcpDropCounts(long[] counts) => _counts = counts;

    /// <summary>Segments dropped for <paramref name="reason"/>.</summary>
    public long this[TcpDropReason reason] => _counts[(byte)reason];

    /// <summary>All TCP drops together.</summary>
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
    public IReadOnlyList<KeyValuePair<TcpDropReason, long>> NonZero
    {
        get
        {
            var list = new List<KeyValuePair<TcpDropReason, long>>();
            for (int i = 0; i < _counts.Length; i++)
            {
                if (_counts[i] != 0)
                    list.Add(new((TcpDropReason)i, _counts[i]));
            }
            return list;
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (reason, count) in NonZero)
            sb.Append(CultureInfo.InvariantCulture, $"{(sb.Length == 0 ? "" : ", ")}{reason}={count}");
        return sb.Length == 0 ? "none" : sb.ToString();
    }
}

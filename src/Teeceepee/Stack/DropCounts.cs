using System.Globalization;
using System.Text;

namespace Teeceepee.Stack;

/// <summary>A snapshot of drop counters, one per <see cref="DropReason"/>.</summary>
public sealed class DropCounts
{
    private readonly long[] _counts;

    internal DropCounts(long[] counts) => _counts = counts;

    /// <summary>How many frames or packets were dropped for <paramref name="reason"/>.</summary>
    public long this[DropReason reason] => _counts[(byte)reason];

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
    public IReadOnlyList<KeyValuePair<DropReason, long>> NonZero
    {
        get
        {
            var list = new List<KeyValuePair<DropReason, long>>();
            for (int i = 0; i < _counts.Length; i++)
            {
                if (_counts[i] != 0)
                    list.Add(new((DropReason)i, _counts[i]));
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

using System.Globalization;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Seeds for the simulation sweeps. <c>TEECEEPEE_SEED=N</c> runs only seed N (every sweep), to reproduce
/// a failure; <c>TEECEEPEE_SEEDS=K</c> sets the main sweep's seed count.
/// </summary>
internal static class SimSeeds
{
    public const string SeedVariable = "TEECEEPEE_SEED";
    public const string CountVariable = "TEECEEPEE_SEEDS";

    /// <summary>Seeds <paramref name="first"/>..first+count-1, or the one from the environment.</summary>
    public static TheoryData<int> Range(int first, int defaultCount, bool widen = false, int[]? except = null)
    {
        var data = new TheoryData<int>();
        if (Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } one)
        {
            data.Add(int.Parse(one, CultureInfo.InvariantCulture));
            return data;
        }
        int count = defaultCount;
        if (widen && Environment.GetEnvironmentVariable(CountVariable) is { Length: > 0 } text)
            count = int.Parse(text, CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
        {
            if (except is null || Array.IndexOf(except, first + i) < 0)
                data.Add(first + i);
        }
        return data;
    }

    /// <summary>Exactly these seeds (known failures kept apart, see the Skip reasons), or the one from the environment.</summary>
    public static TheoryData<int> Only(params int[] seeds)
    {
        var data = new TheoryData<int>();
        if (Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } one)
        {
            data.Add(int.Parse(one, CultureInfo.InvariantCulture));
            return data;
        }
        foreach (int seed in seeds)
            data.Add(seed);
        return data;
    }
}

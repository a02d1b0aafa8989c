using System.Globalization;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Seeds for the simulation sweeps. <c>TEECEEPEE_SEED=N</c> runs only seed N (every sweep), to reproduce
/// a failure; <c>TEECEEPEE_SEEDS=K</c> widens (or narrows) the default sweeps to K seeds.
/// </summary>
internal static class SimSeeds
{
    public const string SeedVariable = "TEECEEPEE_SEED";
    public const string CountVariable = "TEECEEPEE_SEEDS";

    /// <summary>Seeds <paramref name="first"/>..first+count-1, or the one from the environment.</summary>
    public static TheoryData<int> Range(int first, int defaultCount)
    {
        var data = new TheoryData<int>();
        if (Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } one)
        {
            data.Add(int.Parse(one, CultureInfo.InvariantCulture));
            return data;
        }
        int count = defaultCount;
        if (Environment.GetEnvironmentVariable(CountVariable) is { Length: > 0 } text)
            count = int.Parse(text, CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
            data.Add(first + i);
        return data;
    }
}

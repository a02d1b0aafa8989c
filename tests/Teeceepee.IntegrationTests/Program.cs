using Teeceepee.IntegrationTests.Scale;

namespace Teeceepee.IntegrationTests;

/// <summary>
/// The entry point when the test assembly runs as a program (<c>dotnet Teeceepee.IntegrationTests.dll COMMAND ...</c>):
/// helpers a test starts in a process of their own, so that what they measure is theirs alone. Test runners load the
/// assembly as a library and never call it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        [IdleConnectionProbe.Command, .. var rest] => await IdleConnectionProbe.RunAsync(rest, Console.In, Console.Out),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: Teeceepee.IntegrationTests {IdleConnectionProbe.Command} TAP ADDRESS PORT");
        return 2;
    }
}

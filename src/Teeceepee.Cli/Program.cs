namespace Teeceepee.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("teeceepee: a userspace TCP/IP stack. Commands arrive with the host and TCP layers.");
        return args.Length == 0 ? 0 : 2;
    }
}

using System.Runtime.InteropServices;

namespace Teeceepee.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Ctrl+C / SIGTERM cancel the command so it can clean up (the demo removes its namespace);
        // a second signal ends the process at once.
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested)
                return;
            context.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return await CliApp.RunAsync(args, CliContext.CreateConsole(), stop.Token).ConfigureAwait(false);
    }
}

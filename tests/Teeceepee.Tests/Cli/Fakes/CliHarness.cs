using System.Text;
using Teeceepee.Cli;

namespace Teeceepee.Tests.Cli.Fakes;

/// <summary>Runs the CLI in-process with captured output.</summary>
internal sealed class CliHarness
{
    public FakeProbe Probe { get; init; } = new();

    public RecordingNetworkFactory Networks { get; init; } = new();

    public StringWriter Out { get; } = new();

    public MemoryStream OutStream { get; } = new();

    public StringWriter Error { get; } = new();

    /// <summary>Binary output as UTF-8 text.</summary>
    public string OutBytesText => Encoding.UTF8.GetString(OutStream.ToArray());

    public async Task<int> RunAsync(params string[] args)
    {
        var context = new CliContext { Out = Out, OutStream = OutStream, Error = Error, Probe = Probe, Networks = Networks };
        return await CliApp.RunAsync(args, context);
    }

    /// <summary>The single stderr line (asserts there is exactly one).</summary>
    public string ErrorLine
    {
        get
        {
            var lines = Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            return lines[0].TrimEnd('\r');
        }
    }
}

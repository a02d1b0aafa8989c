using System.Net;
using System.Text;
using Teeceepee.Cli.Network;

namespace Teeceepee.Tests.Cli.Fakes;

/// <summary>An <see cref="IConnection"/> over a <see cref="ScriptedStream"/>.</summary>
internal sealed class ScriptedConnection : IConnection
{
    public ScriptedConnection(byte[] input, int chunk = int.MaxValue, bool resetAtEnd = false) =>
        Script = new ScriptedStream(input, chunk) { ResetAtEnd = resetAtEnd };

    public ScriptedConnection(string input, int chunk = int.MaxValue) : this(Encoding.Latin1.GetBytes(input), chunk) { }

    public ScriptedStream Script { get; }

    public Stream Stream => Script;

    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Parse("198.18.0.2"), 40000);

    public IPEndPoint RemoteEndPoint { get; } = new(IPAddress.Parse("198.18.0.1"), 80);

    public bool SentFin { get; private set; }

    public bool Aborted { get; private set; }

    public bool Disposed { get; private set; }

    /// <summary>What was written, as Latin-1 text.</summary>
    public string WrittenText => Encoding.Latin1.GetString(Script.Written.ToArray());

    public void ShutdownSend() => SentFin = true;

    public void Abort() => Aborted = true;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

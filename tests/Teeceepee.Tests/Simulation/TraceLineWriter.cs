using System.Text;

namespace Teeceepee.Tests.Simulations;

/// <summary>A <see cref="TextWriter"/> that hands each completed line to a callback (for <see cref="Teeceepee.Links.Tracer"/>).</summary>
internal sealed class TraceLineWriter(Action<string> onLine) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            onLine(_line.ToString());
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }
}

using System.Text;

namespace Teeceepee.Cli.Demo;

/// <summary>A trace sink that keeps complete lines (thread-safe) and optionally echoes them.</summary>
internal sealed class TraceCollector : TextWriter
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _partial = new();
    private readonly List<string> _lines = [];
    private readonly TextWriter? _echo;

    public TraceCollector(TextWriter? echo) => _echo = echo;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The complete lines so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n')
            {
                string line = _partial.ToString().TrimEnd('\r');
                _partial.Clear();
                _lines.Add(line);
                _echo?.WriteLine(line);
            }
            else
            {
                _partial.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        if (value is null)
            return;
        foreach (char c in value)
            Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }
}

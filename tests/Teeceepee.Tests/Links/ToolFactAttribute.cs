namespace Teeceepee.Tests.Links;

/// <summary>A fact that needs an external program on PATH; skipped with a clear reason when it is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        Tool = tool;
        if (FindOnPath(tool) is null)
            Skip = $"'{tool}' is not installed (scripts/setup.sh installs it).";
    }

    public string Tool { get; }

    public static string? FindOnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path))
                return path;
        }
        return null;
    }
}

namespace Teeceepee.Fuzz;

/// <summary>Runs saved inputs (a corpus, a crash) through the harness outside the fuzzer.</summary>
public static class Replay
{
    /// <summary>Every file of <paramref name="paths"/> (files or directories, not recursive into hidden ones); returns the process exit code.</summary>
    public static int Run(IEnumerable<string> paths, TextWriter output)
    {
        int passed = 0, failed = 0;
        foreach (var file in Files(paths))
        {
            var failure = RunOne(File.ReadAllBytes(file));
            if (failure is null)
            {
                passed++;
                continue;
            }
            failed++;
            output.WriteLine($"FAIL {file}: {failure}");
        }
        output.WriteLine($"replay: {passed} inputs passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Runs one input; null when every invariant held, else what broke.</summary>
    public static string? RunOne(ReadOnlySpan<byte> input)
    {
        try
        {
            FrameInputHarness.Run(input);
            return null;
        }
        catch (Exception e)
        {
            return e.ToString();
        }
    }

    /// <summary>The files named, and the files of the directories named (sorted, hidden ones and README skipped).</summary>
    public static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (!Directory.Exists(path))
            {
                yield return path;
                continue;
            }
            var files = Directory.GetFiles(path);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                if (!name.StartsWith('.') && !name.StartsWith("README", StringComparison.Ordinal))
                    yield return file;
            }
        }
    }
}

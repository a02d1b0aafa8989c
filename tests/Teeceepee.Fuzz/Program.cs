using SharpFuzz;
using Teeceepee.Fuzz;

// teeceepee-fuzz                 AFL++ target (afl-fuzz ... -- dotnet Teeceepee.Fuzz.dll), persistent mode
// teeceepee-fuzz replay PATH...  runs files (or every file of directories) once each; exit 1 if any failed
// teeceepee-fuzz seeds DIR       writes the seed corpus
// teeceepee-fuzz time DIR N      runs every file of DIR N times in-process and prints the time per input
if (args.Length == 0)
{
    Fuzzer.Run(stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        FrameInputHarness.Run(memory.GetBuffer().AsSpan(0, (int)memory.Length));
    });
    return 0;
}
switch (args[0])
{
    case "replay" when args.Length > 1:
        return Replay.Run(args[1..], Console.Out);
    case "time" when args.Length == 3:
        var inputs = Replay.Files([args[1]]).Select(File.ReadAllBytes).ToArray();
        int rounds = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int r = 0; r < rounds; r++)
        {
            foreach (var input in inputs)
                FrameInputHarness.Run(input);
        }
        Console.WriteLine($"{rounds * inputs.Length} runs, {clock.Elapsed.TotalMicroseconds / (rounds * inputs.Length):F1} µs each");
        return 0;
    case "seeds" when args.Length == 2:
        int count = SeedCorpus.Write(args[1]);
        Console.WriteLine($"{count} seed inputs written to {args[1]}");
        return 0;
    default:
        Console.Error.WriteLine("usage: Teeceepee.Fuzz [replay PATH... | seeds DIR | time DIR ROUNDS]");
        return 2;
}

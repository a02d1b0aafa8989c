using System.Net;
using Teeceepee.Cli.Curl;

namespace Teeceepee.Tests.Cli;

public sealed class FastOpenCookieFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tfo-cookies-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Merge_NewServers_WrittenAndReadBack_OthersKept()
    {
        string path = Path.Combine(_dir, "sub", "tcp-fastopen");
        Assert.True(FastOpenCookieFile.Merge(path, [new(IPAddress.Parse("198.18.0.1"), [1, 2, 3, 4, 5, 6, 7, 8])]));
        Assert.True(FastOpenCookieFile.Merge(path, [new(IPAddress.Parse("fd00::1"), [9, 9, 9, 9])]));
        Assert.True(FastOpenCookieFile.Merge(path, [new(IPAddress.Parse("198.18.0.1"), [8, 7, 6, 5, 4, 3, 2, 1])]));

        var read = FastOpenCookieFile.Read(path);
        Assert.Equal(2, read.Count);
        Assert.Equal([8, 7, 6, 5, 4, 3, 2, 1], read[IPAddress.Parse("198.18.0.1")]);
        Assert.Equal([9, 9, 9, 9], read[IPAddress.Parse("fd00::1")]);
        Assert.Contains("198.18.0.1 0807060504030201", File.ReadAllText(path));
    }

    [Fact]
    public void Read_BadLinesAndMissingFile_SkippedNotThrown()
    {
        Assert.Empty(FastOpenCookieFile.Read(Path.Combine(_dir, "none")));
        string path = Path.Combine(_dir, "bad");
        File.WriteAllLines(path, ["198.18.0.1 0102030405060708", "not-an-address 01020304", "198.18.0.2 zz", "198.18.0.3 01", "198.18.0.4", ""]);
        var read = FastOpenCookieFile.Read(path);
        Assert.Equal([IPAddress.Parse("198.18.0.1")], read.Keys);
    }
}

using System.Runtime.Versioning;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>A world-readable temporary directory for files kernel servers (nginx) and the CLI read; deleted on dispose.</summary>
[SupportedOSPlatform("linux")]
internal sealed class ScratchDirectory : IDisposable
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101;

    public ScratchDirectory()
    {
        Path = Directory.CreateTempSubdirectory("tcpv-").FullName;
        File.SetUnixFileMode(Path, DirectoryMode);
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="size"/> seeded random bytes to <paramref name="relative"/> (directories made as needed).</summary>
    public byte[] Write(string relative, int size, int seed)
    {
        string path = System.IO.Path.Combine(Path, relative);
        string dir = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, DirectoryMode);
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        File.WriteAllBytes(path, data);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return data;
    }

    /// <summary>A minimal foreground nginx config serving <paramref name="root"/> on 198.18.0.1:<paramref name="port"/>; returns its path.</summary>
    public string NginxConf(string root, int port) => WriteNginxConf(System.IO.Path.Combine(Path, "nginx"), root, port);

    /// <summary>Writes a minimal foreground nginx config (state under <paramref name="prefix"/>) serving <paramref name="root"/> on 198.18.0.1:<paramref name="port"/>.</summary>
    public static string WriteNginxConf(string prefix, string root, int port)
    {
        Directory.CreateDirectory(prefix);
        string conf = System.IO.Path.Combine(prefix, "nginx.conf");
        File.WriteAllText(conf, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                default_type application/octet-stream;
                server { listen 198.18.0.1:{{port}}; root {{root}}; }
            }
            """);
        return conf;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Teeceepee.AspNetCore;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Sockets;

/// <summary>Kestrel served by the stack over TAP, fetched by the kernel's curl in the test namespace.</summary>
public sealed class KestrelKernelTests
{
    [NetworkFact]
    public async Task KernelCurl_FetchesFromKestrelOnTheStack_Sha256Equal()
    {
        using var net = TestNetwork.CreateTap("sockkes");
        await using var stack = new NetworkStack(net.Link, new NetworkStackOptions
        {
            Address = IPv4Address.FromIPAddress(TestNetwork.StackAddress),
            Name = "kestrel",
        });
        stack.Start();
        var body = RandomNumberGenerator.GetBytes(1024 * 1024);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(stack).UseUrls($"http://{TestNetwork.StackAddress}:8080");
        await using var app = builder.Build();
        app.MapGet("/big", () => Results.Bytes(body, "application/octet-stream"));
        app.MapGet("/hello", () => "hello, kernel");
        await app.StartAsync();
        try
        {
            var hello = await net.RunAsync($"curl -sS --max-time 20 http://{TestNetwork.StackAddress}:8080/hello", TimeSpan.FromSeconds(30));
            Assert.True(hello.Succeeded, hello.StandardError);
            Assert.Equal("hello, kernel", hello.StandardOutput.TrimEnd());

            // Two requests on one keep-alive connection, then the hash of the big body.
            var big = await net.RunAsync(
                $"curl -sS --max-time 30 http://{TestNetwork.StackAddress}:8080/hello -o /dev/null http://{TestNetwork.StackAddress}:8080/big | sha256sum",
                TimeSpan.FromSeconds(40));
            Assert.True(big.Succeeded, big.StandardError);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), big.StandardOutput.Split(' ')[0]);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}

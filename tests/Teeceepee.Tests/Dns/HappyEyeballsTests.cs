using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Teeceepee.Dns;

namespace Teeceepee.Tests.Dns;

/// <summary>RFC 8305 on virtual time: lookups and connection attempts are fakes the test completes by hand.</summary>
public class HappyEyeballsTests
{
    private static readonly IPAddress s_v6a = IPAddress.Parse("2001:db8::a"), s_v6b = IPAddress.Parse("2001:db8::b");
    private static readonly IPAddress s_v4a = IPAddress.Parse("198.18.0.10"), s_v4b = IPAddress.Parse("198.18.0.11");

    private sealed class FakeConnection(IPAddress address) : IAsyncDisposable
    {
        public IPAddress Address { get; } = address;

        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private sealed record Attempt(IPAddress Address, TimeSpan At, TaskCompletionSource<FakeConnection> Result, CancellationToken Token);

    private sealed class Race
    {
        private readonly List<Attempt> _attempts = [];
        private readonly DateTimeOffset _start;

        public Race(bool honourCancellation = true)
        {
            _start = Time.GetUtcNow();
            HonourCancellation = honourCancellation;
        }

        public FakeTimeProvider Time { get; } = new();

        public bool HonourCancellation { get; }

        public TaskCompletionSource<IPAddress[]> V6 { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<IPAddress[]> V4 { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken LookupToken { get; private set; }

        public Attempt[] Attempts
        {
            get
            {
                lock (_attempts)
                    return [.. _attempts];
            }
        }

        public Task<FakeConnection> Start(bool bothFamilies = true) => HappyEyeballs.ConnectAsync<FakeConnection>(
            (family, ct) =>
            {
                LookupToken = ct;
                return new ValueTask<IPAddress[]>(family == AddressFamily.InterNetworkV6 ? V6.Task : V4.Task);
            },
            bothFamilies,
            // A dual-stack host's RFC 6724 order: IPv6 (precedence 40) before IPv4 (35), stable otherwise.
            list => [.. list.OrderBy(a => a.AddressFamily == AddressFamily.InterNetworkV6 ? 0 : 1)],
            (address, ct) =>
            {
                var result = new TaskCompletionSource<FakeConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (HonourCancellation)
                    ct.Register(() => result.TrySetCanceled(ct));
                lock (_attempts)
                    _attempts.Add(new Attempt(address, Time.GetUtcNow() - _start, result, ct));
                return new ValueTask<FakeConnection>(result.Task);
            },
            new HappyEyeballsOptions { TimeProvider = Time }).AsTask();

        /// <summary>Waits (real time, generously) until <paramref name="count"/> attempts have started.</summary>
        public async Task<Attempt[]> AttemptsReach(int count)
        {
            for (int i = 0; i < 1000 && Attempts.Length < count; i++)
                await Task.Delay(5);
            var attempts = Attempts;
            Assert.Equal(count, attempts.Length);
            return attempts;
        }

        /// <summary>Lets the race's continuations run, then checks nothing more started.</summary>
        public async Task NoMoreThan(int count)
        {
            await Task.Delay(50);
            Assert.Equal(count, Attempts.Length);
        }
    }

    [Fact]
    public async Task AaaaFirst_ConnectsOverIPv6AtOnce_AndCancelsTheALookup()
    {
        var race = new Race();
        var connect = race.Start();
        race.V6.SetResult([s_v6a]);

        var attempts = await race.AttemptsReach(1);
        Assert.Equal(s_v6a, attempts[0].Address);
        Assert.Equal(TimeSpan.Zero, attempts[0].At);
        attempts[0].Result.SetResult(new FakeConnection(s_v6a));

        Assert.Equal(s_v6a, (await connect).Address);
        Assert.True(race.LookupToken.IsCancellationRequested);
    }

    [Fact]
    public async Task AFirst_WaitsTheResolutionDelayForAaaa_ThenPrefersIPv6()
    {
        var race = new Race();
        var connect = race.Start();
        race.V4.SetResult([s_v4a]);
        await race.NoMoreThan(0);
        race.Time.Advance(TimeSpan.FromMilliseconds(49));
        await race.NoMoreThan(0);

        race.V6.SetResult([s_v6a]);
        var attempts = await race.AttemptsReach(1);
        Assert.Equal(s_v6a, attempts[0].Address);
        attempts[0].Result.SetResult(new FakeConnection(s_v6a));
        Assert.Equal(s_v6a, (await connect).Address);
    }

    [Fact]
    public async Task AFirst_AaaaSilent_ConnectsOverIPv4After50ms()
    {
        var race = new Race();
        var connect = race.Start();
        race.V4.SetResult([s_v4a]);
        await race.NoMoreThan(0);
        race.Time.Advance(TimeSpan.FromMilliseconds(50));

        var attempts = await race.AttemptsReach(1);
        Assert.Equal(s_v4a, attempts[0].Address);
        Assert.Equal(TimeSpan.FromMilliseconds(50), attempts[0].At);
        attempts[0].Result.SetResult(new FakeConnection(s_v4a));
        Assert.Equal(s_v4a, (await connect).Address);
    }

    [Fact]
    public async Task StalledAttempt_NextFamilyAfter250ms_FirstSuccessWinsAndCancelsTheRest()
    {
        var race = new Race();
        var connect = race.Start();
        race.V6.SetResult([s_v6a, s_v6b]);
        race.V4.SetResult([s_v4a]);
        await race.AttemptsReach(1);
        race.Time.Advance(TimeSpan.FromMilliseconds(249));
        await race.NoMoreThan(1);
        race.Time.Advance(TimeSpan.FromMilliseconds(1));

        // §4: interleaved, so the second attempt is IPv4, not the second IPv6 address.
        var attempts = await race.AttemptsReach(2);
        Assert.Equal(s_v4a, attempts[1].Address);
        Assert.Equal(TimeSpan.FromMilliseconds(250), attempts[1].At);
        attempts[1].Result.SetResult(new FakeConnection(s_v4a));

        Assert.Equal(s_v4a, (await connect).Address);
        Assert.True(attempts[0].Token.IsCancellationRequested);
        Assert.False(attempts[1].Token.IsCancellationRequested);
        race.Time.Advance(TimeSpan.FromSeconds(1));
        await race.NoMoreThan(2);
    }

    [Fact]
    public async Task FailedAttempt_StartsTheNextAtOnce()
    {
        var race = new Race();
        var connect = race.Start();
        race.V6.SetResult([s_v6a]);
        race.V4.SetResult([s_v4a]);
        var attempts = await race.AttemptsReach(1);
        attempts[0].Result.SetException(new SocketException((int)SocketError.NetworkUnreachable));

        attempts = await race.AttemptsReach(2);
        Assert.Equal(s_v4a, attempts[1].Address);
        Assert.Equal(TimeSpan.Zero, attempts[1].At);
        attempts[1].Result.SetResult(new FakeConnection(s_v4a));
        Assert.Equal(s_v4a, (await connect).Address);
    }

    [Fact]
    public async Task EveryAttemptFails_ThrowsTheLastError()
    {
        var race = new Race();
        var connect = race.Start(bothFamilies: false);
        race.V4.SetResult([s_v4a, s_v4b]);
        var attempts = await race.AttemptsReach(1);
        attempts[0].Result.SetException(new SocketException((int)SocketError.ConnectionRefused));
        attempts = await race.AttemptsReach(2);
        attempts[1].Result.SetException(new SocketException((int)SocketError.HostUnreachable));

        var e = await Assert.ThrowsAsync<SocketException>(() => connect);
        Assert.Equal(SocketError.HostUnreachable, e.SocketErrorCode);
    }

    [Fact]
    public async Task BothLookupsFail_ThrowsHostNotFound()
    {
        var race = new Race();
        var connect = race.Start();
        race.V6.SetException(new SocketException((int)SocketError.HostNotFound));
        race.V4.SetException(new SocketException((int)SocketError.HostNotFound));
        var e = await Assert.ThrowsAsync<SocketException>(() => connect);
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
        Assert.Empty(race.Attempts);
    }

    [Fact]
    public async Task LateAaaa_JoinsTheAddressesNotYetTried()
    {
        var race = new Race();
        var connect = race.Start();
        race.V4.SetResult([s_v4a, s_v4b]);
        await race.NoMoreThan(0);
        race.Time.Advance(TimeSpan.FromMilliseconds(50));
        await race.AttemptsReach(1);

        race.V6.SetResult([s_v6a]);
        await race.NoMoreThan(1);
        race.Time.Advance(TimeSpan.FromMilliseconds(250));
        var attempts = await race.AttemptsReach(2);
        Assert.Equal(s_v6a, attempts[1].Address);
        attempts[1].Result.SetResult(new FakeConnection(s_v6a));
        Assert.Equal(s_v6a, (await connect).Address);
    }

    [Fact]
    public async Task LoserConnectingAfterTheWinner_IsDisposed()
    {
        var race = new Race(honourCancellation: false);
        var connect = race.Start();
        race.V6.SetResult([s_v6a]);
        race.V4.SetResult([s_v4a]);
        await race.AttemptsReach(1);
        race.Time.Advance(TimeSpan.FromMilliseconds(250));
        var attempts = await race.AttemptsReach(2);
        attempts[1].Result.SetResult(new FakeConnection(s_v4a));
        Assert.Equal(s_v4a, (await connect).Address);

        var late = new FakeConnection(s_v6a);
        attempts[0].Result.SetResult(late);
        for (int i = 0; i < 1000 && !late.Disposed; i++)
            await Task.Delay(5);
        Assert.True(late.Disposed);
    }

    [Fact]
    public async Task Cancelled_ThrowsAndCancelsEveryAttempt()
    {
        var race = new Race();
        using var cancel = new CancellationTokenSource();
        var connect = HappyEyeballs.ConnectAsync<FakeConnection>(
            (_, _) => ValueTask.FromResult(new[] { s_v4a }), bothFamilies: false, list => [.. list],
            async (address, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new FakeConnection(address);
            },
            new HappyEyeballsOptions { TimeProvider = race.Time }, cancel.Token).AsTask();
        await Task.Delay(20);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect);
    }
}

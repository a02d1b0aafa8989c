using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;

namespace Teeceepee.Dns;

/// <summary>
/// Connecting by name over both families (Happy Eyeballs, RFC 8305): AAAA and A asked at once, an A answer
/// waits up to the resolution delay for AAAA (§3), the addresses are sorted (RFC 6724) and interleaved by
/// family (§4), attempts start one connection-attempt delay apart or as soon as the previous one fails (§5),
/// the first connection wins and every other attempt is cancelled (a late success is disposed).
/// </summary>
public static class HappyEyeballs
{
    /// <summary>
    /// Connects to <paramref name="host"/> (a name or a literal) on whichever address answers first.
    /// <paramref name="family"/> forces one family (<see cref="AddressFamily.Unspecified"/>: both, when the
    /// resolver asks AAAA at all).
    /// </summary>
    /// <exception cref="SocketException">The resolver's failure, or the last attempt's.</exception>
    public static ValueTask<T> ConnectAsync<T>(DnsResolver resolver, string host, AddressFamily family,
        Func<IPAddress, CancellationToken, ValueTask<T>> connect, HappyEyeballsOptions? options = null, CancellationToken cancellationToken = default)
        where T : IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(host);
        if (family == AddressFamily.Unspecified && !resolver.AsksIPv6)
            family = AddressFamily.InterNetwork;
        if (IPAddress.TryParse(host.Trim('[', ']'), out _) || family != AddressFamily.Unspecified)
        {
            // One family (or a literal): one lookup, the attempts still staggered.
            return ConnectAsync(
                (_, ct) => resolver.GetHostAddressesAsync(host, family, ct), bothFamilies: false,
                resolver.Sort, connect, options, cancellationToken);
        }
        return ConnectAsync((f, ct) => resolver.GetHostAddressesAsync(host, f, ct), bothFamilies: true, resolver.Sort, connect, options, cancellationToken);
    }

    /// <summary>
    /// The algorithm over any resolver and connector. With <paramref name="bothFamilies"/>,
    /// <paramref name="resolve"/> is called for <see cref="AddressFamily.InterNetworkV6"/> and
    /// <see cref="AddressFamily.InterNetwork"/> at once; without, once with <see cref="AddressFamily.Unspecified"/>.
    /// </summary>
    public static async ValueTask<T> ConnectAsync<T>(Func<AddressFamily, CancellationToken, ValueTask<IPAddress[]>> resolve, bool bothFamilies,
        Func<IReadOnlyList<IPAddress>, IPAddress[]> sort, Func<IPAddress, CancellationToken, ValueTask<T>> connect,
        HappyEyeballsOptions? options = null, CancellationToken cancellationToken = default)
        where T : IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(resolve);
        ArgumentNullException.ThrowIfNull(sort);
        ArgumentNullException.ThrowIfNull(connect);
        options ??= HappyEyeballsOptions.Default;
        var time = options.TimeProvider;
        using var all = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var lookups = new List<Task<IPAddress[]>>(2);
        Task<IPAddress[]>? v6 = null, v4;
        if (bothFamilies)
        {
            v6 = resolve(AddressFamily.InterNetworkV6, all.Token).AsTask();
            v4 = resolve(AddressFamily.InterNetwork, all.Token).AsTask();
            lookups.Add(v6);
        }
        else
        {
            v4 = resolve(AddressFamily.Unspecified, all.Token).AsTask();
        }
        lookups.Add(v4);

        var attempts = new List<Attempt<T>>();
        try
        {
            // §3: AAAA first (or A failing): go; A first: give AAAA the resolution delay.
            var first = await Task.WhenAny(lookups).ConfigureAwait(false);
            if (v6 is not null && first == v4 && v4.IsCompletedSuccessfully && !v6.IsCompleted)
                await WaitAnyAsync([v6], options.ResolutionDelay, time, all.Token).ConfigureAwait(false);
            else if (v6 is not null && !first.IsCompletedSuccessfully)
                await Task.WhenAny(lookups.Where(l => l != first)).ConfigureAwait(false);

            var known = new List<IPAddress>();
            var tried = new HashSet<IPAddress>();
            var pending = new List<IPAddress>();
            Exception? lastError = null;
            var nextAttemptAt = DateTimeOffset.MinValue;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Late answers join the addresses not yet tried (§3: the list is re-sorted with them).
                bool added = false;
                foreach (var lookup in lookups)
                {
                    if (lookup.IsCompletedSuccessfully)
                    {
                        known.AddRange(lookup.Result);
                        added = true;
                    }
                }
                lookups.RemoveAll(static lookup => lookup.IsCompleted);
                if (added)
                {
                    pending.Clear();
                    foreach (var address in Interleave(sort(known)))
                    {
                        if (!tried.Contains(address))
                            pending.Add(address);
                    }
                }

                var now = time.GetUtcNow();
                if (pending.Count > 0 && (attempts.Count == 0 || now >= nextAttemptAt))
                {
                    var address = pending[0];
                    pending.RemoveAt(0);
                    tried.Add(address);
                    attempts.Add(Attempt<T>.Start(address, connect, all.Token));
                    nextAttemptAt = now + options.ConnectionAttemptDelay;
                    continue;
                }
                if (attempts.Count == 0 && pending.Count == 0 && lookups.Count == 0)
                {
                    if (lastError is null)
                        ThrowLookupFailure(v6, v4);
                    ExceptionDispatchInfo.Capture(lastError!).Throw();
                }

                var waitFor = new List<Task>(attempts.Count + lookups.Count);
                foreach (var attempt in attempts)
                    waitFor.Add(attempt.Task);
                waitFor.AddRange(lookups);
                var wait = pending.Count > 0 ? nextAttemptAt - now : Timeout.InfiniteTimeSpan;
                await WaitAnyAsync(waitFor, wait, time, all.Token).ConfigureAwait(false);

                for (int i = 0; i < attempts.Count; i++)
                {
                    var attempt = attempts[i];
                    if (!attempt.Task.IsCompleted)
                        continue;
                    if (attempt.Task.IsCompletedSuccessfully)
                    {
                        attempts.RemoveAt(i);
                        attempt.Keep();
                        return attempt.Task.Result; // the rest are cancelled in finally
                    }
                    lastError = attempt.Task.Exception?.InnerException ?? new OperationCanceledException();
                    attempts.RemoveAt(i--);
                    nextAttemptAt = DateTimeOffset.MinValue; // §5: a failure starts the next attempt at once
                }
            }
        }
        finally
        {
            all.Cancel();
            foreach (var attempt in attempts)
                attempt.Abandon();
            foreach (var lookup in lookups)
                _ = lookup.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    /// <summary>RFC 8305 §4: alternate families, starting with the family of the most preferred address.</summary>
    public static List<IPAddress> Interleave(IReadOnlyList<IPAddress> sorted)
    {
        var result = new List<IPAddress>(sorted.Count);
        if (sorted.Count == 0)
            return result;
        var preferred = sorted[0].AddressFamily;
        var first = new Queue<IPAddress>();
        var second = new Queue<IPAddress>();
        foreach (var address in sorted)
            (address.AddressFamily == preferred ? first : second).Enqueue(address);
        while (first.Count > 0 || second.Count > 0)
        {
            if (first.TryDequeue(out var a))
                result.Add(a);
            if (second.TryDequeue(out var b))
                result.Add(b);
        }
        return result;
    }

    private static async Task WaitAnyAsync(IReadOnlyCollection<Task> tasks, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : timeout, time, stop.Token);
        await Task.WhenAny([.. tasks, delay]).ConfigureAwait(false);
        stop.Cancel();
        _ = delay.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }

    private static void ThrowLookupFailure(Task<IPAddress[]>? v6, Task<IPAddress[]> v4)
    {
        var e6 = v6?.Exception?.InnerException;
        var e4 = v4.Exception?.InnerException;
        if (e6 is SocketException { SocketErrorCode: SocketError.NoData } && e4 is SocketException { SocketErrorCode: SocketError.NoData })
            throw new SocketException((int)SocketError.NoData, "the name has no address");
        var failure = e6 is SocketException { SocketErrorCode: SocketError.HostNotFound } || e4 is null ? e6 : e4;
        if (failure is null)
            throw new SocketException((int)SocketError.HostNotFound);
        ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private sealed class Attempt<T> where T : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancel;

        private Attempt(CancellationTokenSource cancel, Task<T> task)
        {
            _cancel = cancel;
            Task = task;
        }

        public Task<T> Task { get; }

        public static Attempt<T> Start(IPAddress address, Func<IPAddress, CancellationToken, ValueTask<T>> connect, CancellationToken cancellationToken)
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<T> task;
            try
            {
                task = connect(address, cancel.Token).AsTask();
            }
            catch (Exception e)
            {
                task = System.Threading.Tasks.Task.FromException<T>(e);
            }
            return new Attempt<T>(cancel, task);
        }

        /// <summary>The winner: unlinks its token from the shared one, which is about to be cancelled.</summary>
        public void Keep() => _cancel.Dispose();

        /// <summary>Cancels a losing attempt; if it connects anyway, the connection is closed.</summary>
        public void Abandon()
        {
            _cancel.Cancel();
            _ = Task.ContinueWith(static async (t, state) =>
            {
                ((CancellationTokenSource)state!).Dispose();
                if (t.IsCompletedSuccessfully)
                    await t.Result.DisposeAsync().ConfigureAwait(false);
                else
                    _ = t.Exception;
            }, _cancel, TaskScheduler.Default);
        }
    }
}

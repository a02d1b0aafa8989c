using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Commands;

/// <summary>
/// Sends echo requests at a fixed interval (replies may overlap, as with iputils ping) and prints
/// iputils-style lines and statistics.
/// </summary>
internal sealed class PingSession
{
    /// <summary>Sends one echo request: (sequence, payload size, timeout, token) → result.</summary>
    public delegate ValueTask<EchoResult> Pinger(ushort sequence, int size, TimeSpan timeout, CancellationToken cancellationToken);

    private readonly Pinger _pinger;
    private readonly TextWriter _out;
    private readonly TimeProvider _time;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Lock _lock = new();
    private readonly List<double> _rttMs = [];
    private int _transmitted;
    private int _errors;
    private int _outstanding;
    private int _pipe;

    public PingSession(Pinger pinger, TextWriter output, TimeProvider? time = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _pinger = pinger;
        _out = output;
        _time = time ?? TimeProvider.System;
        _delay = delay ?? ((d, ct) => Task.Delay(d, _time, ct));
    }

    /// <summary>Pings <paramref name="address"/> (<paramref name="host"/> as the user typed it); returns 0 when any reply came back, else 1.</summary>
    public async Task<int> RunAsync(string host, IPAddress address, PingOptions options, CancellationToken cancellationToken)
    {
        bool named = host != address.ToString();
        string from = named ? $"{host} ({address})" : address.ToString();
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PING {host} ({address}) {options.Size}({options.Size + 28}) bytes of data."));
        long start = _time.GetTimestamp();
        var pending = new List<Task>();
        try
        {
            for (int i = 1; options.Count is null || i <= options.Count; i++)
            {
                ushort sequence = (ushort)i;
                Interlocked.Increment(ref _transmitted);
                pending.Add(PingOneAsync(sequence, from, options, cancellationToken));
                if (options.Count is not null && i == options.Count)
                    break;
                await _delay(options.Interval, cancellationToken).ConfigureAwait(false);
            }
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: like ping, stop and print the statistics.
        }
        var elapsed = _time.GetElapsedTime(start);
        WriteStatistics(host, elapsed);
        lock (_lock)
        {
            return _rttMs.Count > 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }
    }

    private async Task PingOneAsync(ushort sequence, string from, PingOptions options, CancellationToken cancellationToken)
    {
        EchoResult result;
        lock (_lock)
            _pipe = Math.Max(_pipe, ++_outstanding);
        try
        {
            result = await _pinger(sequence, options.Size, options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
                _outstanding--;
            return;
        }
        catch (SocketException e)
        {
            lock (_lock)
            {
                _outstanding--;
                _errors++;
                _out.WriteLine($"ping: icmp_seq={sequence}: {CurlRunner.Describe(e.SocketErrorCode)}");
            }
            return;
        }
        lock (_lock)
        {
            _outstanding--;
            if (result.Replied)
            {
                double ms = result.RoundTrip.TotalMilliseconds;
                _rttMs.Add(ms);
                _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Bytes} bytes from {from}: icmp_seq={sequence} ttl={result.Ttl} time={FormatReplyTime(ms)} ms"));
            }
            else if (result.Error is not null)
            {
                _errors++;
                _out.WriteLine($"From {result.ErrorFrom ?? "?"} icmp_seq={sequence} {result.Error}");
            }
        }
    }

    private void WriteStatistics(string host, TimeSpan elapsed)
    {
        lock (_lock)
        {
            int transmitted = _transmitted, received = _rttMs.Count;
            _out.WriteLine();
            _out.WriteLine($"--- {host} ping statistics ---");
            double loss = transmitted == 0 ? 0 : (transmitted - received) * 100.0 / transmitted;
            string errors = _errors > 0 ? string.Create(CultureInfo.InvariantCulture, $"+{_errors} errors, ") : "";
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{transmitted} packets transmitted, {received} received, {errors}{loss.ToString("G6", CultureInfo.InvariantCulture)}% packet loss, time {(long)elapsed.TotalMilliseconds}ms"));
            if (received > 0)
            {
                double min = double.MaxValue, max = 0, sum = 0, sum2 = 0;
                foreach (double t in _rttMs)
                {
                    min = Math.Min(min, t);
                    max = Math.Max(max, t);
                    sum += t;
                    sum2 += t * t;
                }
                double avg = sum / received;
                // iputils: mdev = sqrt(mean(t^2) - mean(t)^2).
                double mdev = Math.Sqrt(Math.Max(0, sum2 / received - avg * avg));
                _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rtt min/avg/max/mdev = {min:F3}/{avg:F3}/{max:F3}/{mdev:F3} ms"));
            }
            // iputils: how many requests were in flight at once, when more than one.
            if (_pipe > 1)
                _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipe {_pipe}"));
        }
    }

    /// <summary>iputils precision: 3 decimals below 1 ms, 2 below 10 ms, 1 below 100 ms, none above.</summary>
    public static string FormatReplyTime(double ms) => ms switch
    {
        >= 99.95 => Math.Round(ms, MidpointRounding.AwayFromZero).ToString("F0", CultureInfo.InvariantCulture),
        >= 9.995 => ms.ToString("F1", CultureInfo.InvariantCulture),
        >= 1 => ms.ToString("F2", CultureInfo.InvariantCulture),
        _ => ms.ToString("F3", CultureInfo.InvariantCulture),
    };
}

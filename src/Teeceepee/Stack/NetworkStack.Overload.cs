using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Teeceepee.Links;

namespace Teeceepee.Stack;

// Overload priority (issue 13 item 3): a loop turn processes the frames of flows first and the SYNs it read after
// them; when turns keep failing to drain the link (OverloadTurns in a row ran out of ingress budget with more frames
// waiting in the device's queue), only OverloadSynBudget of a turn's SYNs are answered and the rest are dropped unanswered, counted as
// SynDroppedOverload. The loop then spends its time reading (which keeps the device queue short and the flows' ACKs
// flowing) instead of answering a flood with SYN-ACKs and reading the resets they draw. The SYNs answered are the
// likeliest real clients' (SynDeferral.Rank: retransmissions of shed SYNs, other ports than the flooded one, SYNs with
// options), so a flood's random SYNs are what is shed.
public sealed partial class NetworkStack
{
    private SynDeferral? _synDeferral;
    private int[] _chosenSyns = [];
    private int _backlogTurns; // consecutive turns that ended with frames still waiting
    private Instant _overloadUntil; // overloaded until then at least (NetworkStackOptions.OverloadHold)

    /// <summary>True while the filter of recently shed SYNs holds its arrays (1 MiB; released 2–4 s after the last shed SYN).</summary>
    internal bool HoldsShedSynFilter => _synDeferral is { Shed.IsAllocated: true };

    /// <summary>SYNs this stack dropped unanswered because a turn was overloaded (<see cref="DropReason.SynDroppedOverload"/>).</summary>
    internal long SynsDroppedOverload => _counters.Drops[(byte)DropReason.SynDroppedOverload];

    private void CreateOverload(NetworkStackOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.OverloadSynBudget, nameof(options.OverloadSynBudget));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.OverloadTurns, 1, nameof(options.OverloadTurns));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.OverloadHold, TimeSpan.Zero, nameof(options.OverloadHold));
        if (options.DeferSyns)
        {
            // The shed-SYN hash is keyed: by the seed in simulations (reproducible), else at random (not predictable).
            Span<byte> key = stackalloc byte[8];
            if (options.Seed is int seed)
                BinaryPrimitives.WriteInt32LittleEndian(key, seed);
            else
                RandomNumberGenerator.Fill(key);
            _synDeferral = new SynDeferral(Math.Clamp(options.IngressBudget, 1, MaxDeferredSyns), _linkHeaderLength, BinaryPrimitives.ReadUInt64LittleEndian(key));
            _chosenSyns = new int[_synDeferral.Capacity];
        }
    }

    /// <summary>The most SYNs one turn sets aside (a larger ingress budget processes the rest at once).</summary>
    internal const int MaxDeferredSyns = 1024;

    /// <summary>Ingress: true when <paramref name="frame"/> is a bare SYN, now held until the turn's other frames are done.</summary>
    private bool TryDeferSyn(Instant now, ReadOnlySpan<byte> frame, in LinkOffload offload) =>
        _synDeferral is { } deferral && deferral.TryDefer(now, frame, offload);

    /// <summary>
    /// After the turn's frames: answers the SYNs set aside, oldest first; when this turn and the
    /// <see cref="NetworkStackOptions.OverloadTurns"/> − 1 before it all ended with frames still waiting
    /// (<see cref="_ingressBacklog"/>: the loop is saturated, not just catching up with a burst), or an overloaded turn
    /// fell behind or shed SYNs within <see cref="NetworkStackOptions.OverloadHold"/>, only
    /// <see cref="NetworkStackOptions.OverloadSynBudget"/> of them, the best ranked (<see cref="SynDeferral.Rank"/>);
    /// the shed ones are remembered, so that their retransmissions rank first.
    /// </summary>
    private void ProcessDeferredSyns(Instant now)
    {
        _backlogTurns = _ingressBacklog ? Math.Min(_backlogTurns + 1, int.MaxValue - 1) : 0;
        // Overload holds while turns keep falling behind or keep shedding: shedding is what lets the loop catch up with a
        // flood, so a drained link alone does not end it (else every end would answer a flood in full again for
        // OverloadTurns turns, and the device queue would fill again in front of the flows' frames).
        bool overloaded = _backlogTurns >= Options.OverloadTurns || now < _overloadUntil;
        if (overloaded && _ingressBacklog)
            _overloadUntil = now + Options.OverloadHold;
        var deferral = _synDeferral;
        if (deferral is null)
            return;
        if (deferral.Count == 0)
        {
            deferral.Shed.Expire(now); // a turn without SYNs still lets the shed-SYN filter age and go
            return;
        }
        int count = deferral.Count;
        int budget = overloaded ? Options.OverloadSynBudget : count;
        // Overloaded, at most an eighth of the budget goes to SYNs without a sign of a real client: each one answered
        // costs a write and draws a reset to read (a flood's host has no connection), several times a shed SYN's cost.
        int take = deferral.Rank(budget, overloaded ? Math.Max(1, budget / 8) : count, _chosenSyns);
        for (int k = 0; k < take; k++)
        {
            int i = _chosenSyns[k];
            _frameChecksumTrusted = deferral.ChecksumTrusted(i);
            // Overloaded: a SYN nothing marks as a real client's is answered with a SYN cookie (RFC 4987 §3.6), so the
            // reset a flood's host sends back finds no connection to tear down and nothing was allocated for it.
            _tcp.AnswerSynsStatelessly = overloaded && deferral.ScoreOf(i) == 0;
            ProcessFrameGuarded(now, deferral.Frame(i));
        }
        _tcp.AnswerSynsStatelessly = false;
        _frameChecksumTrusted = false;
        int shed = count - take;
        if (shed > 0)
        {
            _overloadUntil = now + Options.OverloadHold;
            // Counted like frames that were processed, so that traffic statistics still add up; one trace line per turn.
            long bytes = 0;
            for (int i = 0; i < count; i++)
            {
                if (deferral.IsChosen(i))
                    continue;
                bytes += deferral.Frame(i).Length;
                deferral.Shed.Add(now, deferral.HashOf(i));
            }
            _counters.FramesIn += shed;
            _counters.BytesIn += bytes;
            _counters.Drops[(byte)DropReason.SynDroppedOverload] += shed;
            if (IsTracing)
                Trace(string.Create(CultureInfo.InvariantCulture, $"drop tcp {DropReason.SynDroppedOverload} x{shed}: {_backlogTurns} turns in a row left frames waiting, {take} SYNs answered{Why(DropReason.SynDroppedOverload)}"));
        }
        deferral.Clear();
    }
}

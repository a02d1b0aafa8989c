namespace Teeceepee.Tcp;

/// <summary>NewReno congestion control (RFC 5681, RFC 6582, RFC 3465, RFC 6928).</summary>
public sealed class NewRenoCongestionController : ICongestionController
{
    /// <summary>Creates the controller for an initial SMSS.</summary>
    public NewRenoCongestionController(int mss) => throw new NotImplementedException();

    /// <inheritdoc />
    public int Window { get; }

    /// <inheritdoc />
    public int SlowStartThreshold { get; }

    /// <inheritdoc />
    public bool InRecovery { get; }

    /// <inheritdoc />
    public void SetMss(int mss) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnAck(Instant now, int bytesAcked, int bytesInFlight) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnLoss(int bytesInFlight) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnDuplicateAck(int bytesInFlight) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnPartialAck(int bytesAcked) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnRecoveryEnd(int bytesInFlight) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnRetransmitTimeout(int bytesInFlight) => throw new NotImplementedException();
}

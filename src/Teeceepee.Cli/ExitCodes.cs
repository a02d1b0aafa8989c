namespace Teeceepee.Cli;

/// <summary>Process exit codes; where they overlap with curl they use curl's numbers.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A generic failure (curl: unsupported protocol; ping: no reply).</summary>
    public const int Failure = 1;
    /// <summary>Bad command line.</summary>
    public const int Usage = 2;
    /// <summary>curl: URL malformed.</summary>
    public const int BadUrl = 3;
    /// <summary>curl: could not resolve host.</summary>
    public const int CouldNotResolve = 6;
    /// <summary>curl: failed to connect to host.</summary>
    public const int CouldNotConnect = 7;
    /// <summary>curl: weird server reply.</summary>
    public const int WeirdServerReply = 8;
    /// <summary>curl: partial file (the body ended early).</summary>
    public const int PartialFile = 18;
    /// <summary>curl: HTTP error with --fail.</summary>
    public const int HttpError = 22;
    /// <summary>curl: write error (output file).</summary>
    public const int WriteError = 23;
    /// <summary>curl: read error (a local file for -d @FILE).</summary>
    public const int ReadError = 26;
    /// <summary>curl: operation timed out.</summary>
    public const int Timeout = 28;
    /// <summary>curl: TLS handshake failed.</summary>
    public const int TlsHandshake = 35;
    /// <summary>curl: too many redirects.</summary>
    public const int TooManyRedirects = 47;
    /// <summary>curl: empty reply from server.</summary>
    public const int EmptyReply = 52;
    /// <summary>curl: failure when sending network data.</summary>
    public const int SendError = 55;
    /// <summary>curl: failure when receiving network data.</summary>
    public const int ReceiveError = 56;
    /// <summary>curl: the server's certificate could not be verified.</summary>
    public const int CertificateProblem = 60;
    /// <summary>curl: problem reading the CA certificate file (--cacert).</summary>
    public const int CaCertError = 77;
    /// <summary>Interrupted by Ctrl+C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}

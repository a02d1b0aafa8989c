namespace Teeceepee.Tcp;

/// <summary>A TCP usage failure reported by <see cref="TcpHost"/> (the Sockets layer maps <see cref="Error"/> to a SocketError).</summary>
public sealed class TcpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TcpException(TcpError error, string message) : base(message) => Error = error;

    /// <summary>Creates the exception.</summary>
    public TcpException() : base("TCP error.") { }

    /// <summary>Creates the exception.</summary>
    public TcpException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public TcpException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Why.</summary>
    public TcpError Error { get; }
}

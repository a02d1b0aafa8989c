namespace Teeceepee.Cli.Network;

/// <summary>A host name could not be resolved.</summary>
internal sealed class NameResolutionException : Exception
{
    public NameResolutionException() { }

    public NameResolutionException(string message) : base(message) { }

    public NameResolutionException(string message, Exception inner) : base(message, inner) { }
}

namespace Teeceepee.Fuzz;

/// <summary>An input broke one of the harness's invariants: the fuzzer reports it as a crash.</summary>
public sealed class FuzzInvariantException : Exception
{
    /// <summary>Creates the exception with the broken invariant in words.</summary>
    public FuzzInvariantException(string message) : base(message) { }

    /// <summary>Creates the exception with the broken invariant and the exception that escaped.</summary>
    public FuzzInvariantException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception without a message.</summary>
    public FuzzInvariantException() { }
}

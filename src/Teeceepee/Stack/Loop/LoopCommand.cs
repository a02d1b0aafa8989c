
namespace Teeceepee.Stack.Loop;

/// <summary>
/// A unit of work handed to a stack's event loop from any thread (<see cref="NetworkStack.Post"/>).
/// <see cref="Execute"/> runs on the loop thread, where all protocol state lives, so commands
/// need no locks. Commands are pooled objects: posting one allocates nothing.
/// </summary>
internal abstract class LoopCommand
{
    /// <summary>Runs the command on the loop thread.</summary>
    public abstract void Execute(NetworkStack stack, Instant now);

    /// <summary>
    /// Runs on the loop thread after cancellation was requested for the use of this command
    /// identified by <paramref name="version"/>; stale requests (the command completed and was
    /// reused since) must be ignored.
    /// </summary>
    public virtual void Cancel(NetworkStack stack, Instant now, short version)
    {
    }

    /// <summary>Fails the command without running it (the stack was disposed).</summary>
    public virtual void Abort(Exception error)
    {
    }
}

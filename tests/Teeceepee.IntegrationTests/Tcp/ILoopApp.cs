namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>Application code that runs on a <see cref="StackLoop"/>'s thread after every poll (it may call Tcb methods).</summary>
internal interface ILoopApp
{
    /// <summary>Does whatever work is ready; returns true when the app is finished (it is then removed).</summary>
    bool Step(Instant now);

    /// <summary>The loop is stopping (or threw): fail whatever is still waiting.</summary>
    void Abandon(Exception reason);
}

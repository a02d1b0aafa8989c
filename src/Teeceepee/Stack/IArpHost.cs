using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>What the ARP cache asks of its stack when timers fire.</summary>
internal interface IArpHost
{
    /// <summary>Sends an ARP request for <paramref name="address"/>, to <paramref name="destination"/> (broadcast, or unicast to refresh).</summary>
    void SendArpRequest(Instant now, IPv4Address address, MacAddress destination);

    /// <summary>Resolution of <paramref name="address"/> failed: <paramref name="droppedFrames"/> waiting frames were freed.</summary>
    void OnResolutionFailed(Instant now, IPv4Address address, int droppedFrames);
}

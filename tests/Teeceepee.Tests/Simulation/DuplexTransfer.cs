using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// A connection carrying <see cref="Up"/> (client to server) and <see cref="Down"/> (server to client) at
/// the same time; each side half-closes once its data is queued. The server end is attached when the
/// listener hands it out (matched by the client's port).
/// </summary>
internal sealed class DuplexTransfer : IDisposable
{
    public DuplexTransfer(Tcb client, byte[] up, byte[] down)
    {
        Client = client;
        ClientStates = StateRecorder.Attach(client);
        Up = new StreamLeg(up);
        Down = new StreamLeg(down);
    }

    public Tcb Client { get; }
    public Tcb? Server { get; private set; }
    public StateRecorder ClientStates { get; }
    public StateRecorder? ServerStates { get; private set; }
    public StreamLeg Up { get; }
    public StreamLeg Down { get; }
    public bool Closed { get; private set; }

    public void AttachServer(Tcb server)
    {
        Server = server;
        ServerStates = StateRecorder.Attach(server);
    }

    /// <summary>Both directions arrived whole and in order.</summary>
    public bool Complete => Up.Complete && Down.Complete;

    /// <summary>Either end reported an error.</summary>
    public bool Failed => Client.Error != TcpError.None || (Server is not null && Server.Error != TcpError.None);

    /// <summary>Both ends are gone or waiting out TIME-WAIT.</summary>
    public bool Finished => IsDone(Client) && Server is not null && IsDone(Server);

    public void Pump(Span<byte> scratch)
    {
        Up.Pump(Client, Server, scratch);
        Down.Pump(Server, Client, scratch);
        if (Complete && !Closed)
        {
            // Everything read: a full close now only stops reading (the FINs were sent by the legs).
            Client.Close();
            Server!.Close();
            Closed = true;
        }
    }

    public string Describe() =>
        $"client {Client} err {Client.Error} [{ClientStates.Path}] up {Up}; " +
        $"server {(Server is null ? "none" : $"{Server} err {Server.Error} [{ServerStates!.Path}]")} down {Down}";

    private static bool IsDone(Tcb tcb) => tcb.State is TcpState.Closed or TcpState.TimeWait;

    public void Dispose()
    {
        Up.Dispose();
        Down.Dispose();
    }
}

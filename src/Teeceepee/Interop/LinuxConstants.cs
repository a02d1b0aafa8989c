namespace Teeceepee.Interop;

/// <summary>Linux ABI numbers (x86-64 and arm64 share them) from the kernel's uapi headers.</summary>
internal static class LinuxConstants
{
    // fcntl.h
    internal const int O_RDWR = 0x2;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_RDONLY = 0x0;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;

    // socket.h, if_ether.h, if_packet.h
    internal const int AF_INET = 2;
    internal const int AF_PACKET = 17;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const ushort ETH_P_ALL = 0x0003;
    internal const int SOL_PACKET = 263;
    internal const int PACKET_IGNORE_OUTGOING = 23;
    internal const byte PACKET_OUTGOING = 4;
    internal const int PACKET_AUXDATA = 8;
    internal const uint TP_STATUS_CSUMNOTREADY = 1 << 3;
    internal const int MSG_TRUNC = 0x20;

    // if.h, sockios.h
    internal const int IFNAMSIZ = 16;
    internal const short IFF_UP = 0x1;
    internal const short IFF_RUNNING = 0x40;
    internal const nuint SIOCGIFFLAGS = 0x8913;
    internal const nuint SIOCSIFFLAGS = 0x8914;
    internal const nuint SIOCGIFMTU = 0x8921;
    internal const nuint SIOCGIFHWADDR = 0x8927;
    internal const nuint SIOCGIFTXQLEN = 0x8942;
    internal const nuint SIOCSIFTXQLEN = 0x8943;
    internal const ushort ARPHRD_ETHER = 1;

    // if_tun.h: _IOW('T', 202, int) etc.
    internal const nuint TUNSETIFF = 0x400454ca;
    internal const nuint TUNSETPERSIST = 0x400454cb;
    internal const nuint TUNGETIFF = 0x800454d2;
    internal const short IFF_TUN = 0x0001;
    internal const short IFF_TAP = 0x0002;
    internal const short IFF_NO_PI = 0x1000;
    internal const short IFF_MULTI_QUEUE = 0x0100;
    internal const short IFF_VNET_HDR = 0x4000;
    internal const nuint TUNSETOFFLOAD = 0x400454d0;   // _IOW('T', 208, unsigned int)
    internal const nuint TUNSETVNETHDRSZ = 0x400454d8; // _IOW('T', 216, int)
    internal const uint TUN_F_CSUM = 0x01;
    internal const uint TUN_F_TSO4 = 0x02;
    internal const uint TUN_F_TSO6 = 0x04;

    // eventpoll.h, eventfd.h
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const int EFD_NONBLOCK = 0x800;
    internal const int EFD_CLOEXEC = 0x80000;

    // sched.h
    internal const int CLONE_NEWNET = 0x40000000;
}

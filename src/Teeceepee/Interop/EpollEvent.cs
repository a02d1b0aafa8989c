namespace Teeceepee.Interop;

/// <summary>One ready descriptor reported by <see cref="Epoll.Wait"/>: its events and the caller's tag.</summary>
internal readonly record struct EpollEvent(EpollEvents Events, ulong Data);

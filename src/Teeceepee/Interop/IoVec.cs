using System.Runtime.InteropServices;

namespace Teeceepee.Interop;

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    internal void* Base;
    internal nuint Length;
}

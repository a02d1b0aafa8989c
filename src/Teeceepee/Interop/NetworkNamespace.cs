using System.Text;

namespace Teeceepee.Interop;

/// <summary>Runs code with the calling thread inside another network namespace (setns on a dedicated thread).</summary>
/// <remarks>
/// A socket or TAP fd belongs to the namespace it was created in and keeps working from any thread
/// afterwards, so the usual pattern is: create it inside, use it outside.
/// </remarks>
internal static unsafe class NetworkNamespace
{
    /// <summary>Runs <paramref name="action"/> on a fresh thread that first joins the namespace at <paramref name="path"/> (e.g. /run/netns/NAME).</summary>
    internal static T Run<T>(string path, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = OpenReadOnly(path);
                try
                {
                    if (Libc.SetNs(fd, LinuxConstants.CLONE_NEWNET) < 0)
                        throw new ErrnoException(Errno.Last, $"setns({path}, CLONE_NEWNET)", "Entering a network namespace needs CAP_SYS_ADMIN.");
                }
                finally
                {
                    Libc.Close(fd);
                }
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "netns " + path };
        thread.Start();
        thread.Join();
        // The thread (and with it its namespace membership) is gone; rethrow with the original stack.
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }

    private static int OpenReadOnly(string path)
    {
        int max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        byte[] bytes = new byte[max];
        int n = Encoding.UTF8.GetBytes(path, bytes);
        bytes[n] = 0;
        fixed (byte* p = bytes)
        {
            int fd = Libc.Open(p, LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC);
            if (fd < 0)
                throw new ErrnoException(Errno.Last, $"open({path})");
            return fd;
        }
    }
}

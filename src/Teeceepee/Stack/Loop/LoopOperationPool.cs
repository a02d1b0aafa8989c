using System.Collections.Concurrent;

namespace Teeceepee.Stack.Loop;

/// <summary>A bounded, thread-safe pool of operation objects, so steady-state calls allocate nothing.</summary>
internal static class LoopOperationPool<T> where T : class, new()
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<T> s_pool = new();

    /// <summary>Takes a pooled object or makes one.</summary>
    public static T Rent() => s_pool.TryDequeue(out var item) ? item : new T();

    /// <summary>Gives an object back.</summary>
    public static void Return(T item)
    {
        if (s_pool.Count < MaxPooled)
            s_pool.Enqueue(item);
    }
}

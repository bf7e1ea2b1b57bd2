using System.Diagnostics;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// Which generation a node's exchange is in, how many calls the leader made in it, and which generations were
/// aborted (and why). Its <see cref="Gate"/> is the one lock of the exchange: the data connections' threads take it
/// too, so that an arriving message, a lost connection or an abort wakes a leader that waits for any of them.
/// Generations only move forward: a later one forgets the aborts of the earlier ones, and their calls fail.
/// </summary>
internal sealed class GenerationState
{
    private readonly Dictionary<int, string> _aborted = new();
    private readonly Dictionary<int, List<Action<string>>> _abortListeners = new();
    private int _calls;

    public object Gate { get; } = new();

    /// <summary>The generation the leader is in; <see cref="int.MinValue"/> before its first call.</summary>
    public int Generation { get; private set; } = int.MinValue;

    public CollectiveTopology? Topology { get; private set; }

    /// <summary>Where the leader is now (for messages).</summary>
    public CollectiveTag Current { get; private set; }

    /// <summary>Records the call at <paramref name="tag"/>; true when it starts a new generation. Fails for a generation that is over.</summary>
    public bool Enter(CollectiveTag tag, CollectiveTopology topology)
    {
        lock (Gate)
        {
            if (topology.Generation < Generation)
                throw new CollectiveAbortedException($"collective call at {tag}, but this node is already in generation {Generation}");
            Current = tag;
            if (topology.Generation == Generation) return false;
            Generation = topology.Generation;
            Topology = topology;
            _calls = 0;
            foreach (var old in _aborted.Keys.Where(g => g < Generation).ToList()) _aborted.Remove(old);
            foreach (var old in _abortListeners.Keys.Where(g => g < Generation).ToList()) _abortListeners.Remove(old);
            return true;
        }
    }

    /// <summary>The index of the next call within the current generation; fails when the generation was aborted.</summary>
    public int NextCall(CollectiveTag tag)
    {
        lock (Gate)
        {
            ThrowIfAborted(tag);
            return _calls++;
        }
    }

    /// <summary>Why connections and messages of <paramref name="generation"/> are no longer wanted; null while it may still run.</summary>
    public string? Over(int generation)
    {
        lock (Gate)
            return generation < Generation ? $"generation {generation} is over (this node is in generation {Generation})"
                : _aborted.ContainsKey(generation) ? $"generation {generation} was aborted"
                : null;
    }

    public void ThrowIfAborted(CollectiveTag tag)
    {
        lock (Gate)
            if (_aborted.TryGetValue(tag.Generation, out var reason)) throw new CollectiveAbortedException($"collective aborted at {tag}: {reason}");
    }

    /// <summary>Records the abort and wakes every waiter; false (and nothing to call) when the generation was already aborted or is over.</summary>
    public bool Abort(int generation, string reason, out List<Action<string>>? listeners)
    {
        lock (Gate)
        {
            listeners = null;
            if (Over(generation) is not null) return false;
            _aborted[generation] = reason;
            _abortListeners.Remove(generation, out listeners);
            Monitor.PulseAll(Gate);
            return true;
        }
    }

    /// <summary>Calls <paramref name="listener"/> (once, with the reason) when the generation is aborted, or now when it already was.</summary>
    public void OnAbort(int generation, Action<string> listener)
    {
        string? reason;
        lock (Gate)
        {
            if (!_aborted.TryGetValue(generation, out reason))
            {
                if (!_abortListeners.TryGetValue(generation, out var listeners)) _abortListeners[generation] = listeners = new();
                listeners.Add(listener);
                return;
            }
        }
        listener(reason);
    }

    /// <summary>Wakes the waiters to look again (a message arrived, a connection ended, a peer became known).</summary>
    public void Pulse()
    {
        lock (Gate) Monitor.PulseAll(Gate);
    }

    /// <summary>Blocks until <paramref name="ready"/> (evaluated under the lock) returns non-null; null after <paramref name="timeout"/>. Fails when the generation is aborted.</summary>
    public T? WaitFor<T>(CollectiveTag tag, TimeSpan timeout, Func<T?> ready) where T : class
    {
        var clock = Stopwatch.StartNew();
        lock (Gate)
        {
            while (true)
            {
                ThrowIfAborted(tag);
                if (ready() is { } value) return value;
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero) return null;
                Monitor.Wait(Gate, left);
            }
        }
    }

    /// <summary>The reason <paramref name="generation"/> was aborted, waiting up to <paramref name="grace"/> for one; null when none came.</summary>
    public string? AbortReason(int generation, TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        lock (Gate)
        {
            while (!_aborted.ContainsKey(generation) && clock.Elapsed < grace) Monitor.Wait(Gate, grace - clock.Elapsed);
            return _aborted.GetValueOrDefault(generation);
        }
    }
}

namespace TinyClip.Actors.Collectives;

/// <summary>
/// The messages the data connections' threads have received (whole or in part) and the leader has not taken yet,
/// by generation, call, part and sender: a peer that is ahead sends before this node's leader asks. Guarded by the
/// exchange's <see cref="GenerationState.Gate"/>; a completed message wakes the waiting leader.
/// </summary>
internal sealed class IncomingMessages(GenerationState state)
{
    private readonly Dictionary<Key, Message> _messages = new();

    /// <summary>Starts a message of <paramref name="total"/> values in a pooled buffer; throws when the sender sent it before.</summary>
    public Message Begin(int generation, int call, CollectivePart part, int source, CollectiveTag tag, int total)
    {
        var message = new Message(tag, PooledFloats.Rent(total));
        lock (state.Gate)
            if (!_messages.TryAdd(new Key(generation, call, part, source), message))
                throw new InvalidDataException($"message sent twice: generation {generation}, call {call}, {part} of node {source}");
        return message;
    }

    /// <summary>Counts <paramref name="count"/> more values of <paramref name="message"/> as arrived (they were read into its buffer).</summary>
    public void Arrived(Message message, int count)
    {
        lock (state.Gate)
        {
            message.Received += count;
            if (message.Complete) state.Pulse();
        }
    }

    /// <summary>The message when it is complete (the caller holds the gate).</summary>
    public Message? Complete(int generation, int call, CollectivePart part, int source) =>
        _messages.TryGetValue(new Key(generation, call, part, source), out var message) && message.Complete ? message : null;

    public void Remove(int generation, int call, CollectivePart part, int source)
    {
        lock (state.Gate) _messages.Remove(new Key(generation, call, part, source));
    }

    /// <summary>Drops the messages of the generations <paramref name="forget"/> selects (past or aborted ones).</summary>
    public void Forget(Func<int, bool> forget)
    {
        lock (state.Gate)
            foreach (var key in _messages.Keys.Where(k => forget(k.Generation)).ToList()) _messages.Remove(key);
    }

    private readonly record struct Key(int Generation, int Call, CollectivePart Part, int Source);

    /// <summary>A message being received: its values (a pooled array, the leader returns it) and how many arrived.</summary>
    internal sealed class Message(CollectiveTag tag, ArraySegment<float> values)
    {
        public CollectiveTag Tag { get; } = tag;
        public ArraySegment<float> Values { get; } = values;
        public int Received { get; set; }
        public bool Complete => Received == Values.Count;
    }
}

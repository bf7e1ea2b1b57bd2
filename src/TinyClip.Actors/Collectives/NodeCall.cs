namespace TinyClip.Actors.Collectives;

/// <summary>
/// One collective call between node leaders: its tag, its index among the generation's calls (which tells the
/// messages of consecutive calls apart), how many nodes take part and which of them this one is.
/// </summary>
public readonly record struct NodeCall(CollectiveTag Tag, int Index, int Nodes, int ThisNode)
{
    /// <summary>The other nodes, starting after this one so that not every node sends to node 0 first.</summary>
    public IEnumerable<int> Others()
    {
        for (int i = 1; i < Nodes; i++) yield return (ThisNode + i) % Nodes;
    }
}

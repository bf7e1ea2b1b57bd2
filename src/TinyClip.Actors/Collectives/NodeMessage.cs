namespace TinyClip.Actors.Collectives;

/// <summary>A message a node received: the tag its sender was at, and its values in a pooled array (<see cref="PooledFloats.Release"/>).</summary>
public readonly record struct NodeMessage(CollectiveTag Tag, ArraySegment<float> Values);

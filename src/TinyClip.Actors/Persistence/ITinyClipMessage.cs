namespace TinyClip.Actors.Persistence;

/// <summary>Marks events, snapshots and messages that are serialised by <see cref="TinyClipSerializer"/> (bound in reference.conf).</summary>
public interface ITinyClipMessage;

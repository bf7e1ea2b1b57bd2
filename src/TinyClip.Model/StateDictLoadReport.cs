namespace TinyClip.Model;

/// <summary>Keys skipped by a non-strict <see cref="ClipModel.LoadStateDict"/>.</summary>
public sealed record StateDictLoadReport(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

namespace TinyClip.Actors.Evaluation;

/// <summary>
/// The zero-shot sets shipped inside the program (Evaluation/Sets, origin and licence in its NOTICE.md), chosen by name:
/// class-name lists (<c>imagenet-1k</c>) and prompt-template lists (<c>openai-imagenet</c>). A set is one entry a line,
/// read like a user's file (<see cref="Lines"/>).
/// </summary>
public static class PromptSets
{
    public const string ClassesKind = "classes", TemplatesKind = "templates";
    private const string Prefix = "sets/";

    /// <summary>The names of the shipped sets of a kind (<see cref="ClassesKind"/> or <see cref="TemplatesKind"/>).</summary>
    public static IReadOnlyList<string> Names(string kind) =>
        typeof(PromptSets).Assembly.GetManifestResourceNames()
            .Where(r => r.StartsWith(Prefix, StringComparison.Ordinal) && r.EndsWith($".{kind}.txt", StringComparison.Ordinal))
            .Select(r => r[Prefix.Length..^$".{kind}.txt".Length])
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The entries of the shipped set <paramref name="name"/> of a kind, or null when none has that name.</summary>
    public static string[]? Find(string name, string kind)
    {
        using var stream = typeof(PromptSets).Assembly.GetManifestResourceStream($"{Prefix}{name}.{kind}.txt");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return Lines(reader.ReadToEnd());
    }

    /// <summary>The entries of a list: one a line, trimmed, empty lines dropped; duplicates kept (index = label).</summary>
    public static string[] Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}

namespace TinyClip.Actors.Evaluation;

/// <summary>The class names (index = label) and prompt templates of zero-shot classification.</summary>
public sealed record ZeroShotPrompts(IReadOnlyList<string> Classes, IReadOnlyList<string> Templates)
{
    /// <summary>CLIP's single default template, used when no templates are given.</summary>
    public static readonly IReadOnlyList<string> DefaultTemplates = ["a photo of a {}."];

    /// <summary>The prompts, or null when <paramref name="classes"/> is empty (no zero-shot).</summary>
    /// <param name="classes">A shipped set's name (<see cref="PromptSets"/>, e.g. imagenet-1k) or a file, one class name a line.
    /// A shipped name wins over a file of the same name in the working directory; write that one as a path (./imagenet-1k).</param>
    /// <param name="templates">The same for templates (e.g. openai-imagenet); empty = <see cref="DefaultTemplates"/>.</param>
    public static ZeroShotPrompts? Read(string classes, string templates)
    {
        if (classes.Length == 0) return null;
        return new ZeroShotPrompts(Entries(classes, PromptSets.ClassesKind),
            templates.Length > 0 ? Entries(templates, PromptSets.TemplatesKind) : DefaultTemplates);
    }

    private static string[] Entries(string nameOrPath, string kind)
    {
        if (PromptSets.Find(nameOrPath, kind) is { } shipped) return shipped;
        if (!File.Exists(nameOrPath))
            throw new FileNotFoundException($"the evaluation {kind} '{nameOrPath}' is neither a file nor a shipped set ({string.Join(", ", PromptSets.Names(kind))})", nameOrPath);
        var lines = PromptSets.Lines(File.ReadAllText(nameOrPath));
        if (lines.Length == 0) throw new InvalidDataException($"the evaluation {kind} file '{nameOrPath}' is empty");
        return lines;
    }
}

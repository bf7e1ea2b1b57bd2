namespace TinyClip.Actors.Evaluation;

/// <summary>The class names (index = label) and prompt templates of zero-shot classification.</summary>
public sealed record ZeroShotPrompts(IReadOnlyList<string> Classes, IReadOnlyList<string> Templates)
{
    /// <summary>CLIP's single default template, used when no templates file is given.</summary>
    public static readonly IReadOnlyList<string> DefaultTemplates = ["a photo of a {}."];

    /// <summary>The prompts of the files, or null when <paramref name="classesFile"/> is empty (no zero-shot).</summary>
    /// <param name="templatesFile">Empty = <see cref="DefaultTemplates"/>.</param>
    public static ZeroShotPrompts? Read(string classesFile, string templatesFile)
    {
        if (classesFile.Length == 0) return null;
        return new ZeroShotPrompts(ReadLines(classesFile, "classes"), templatesFile.Length > 0 ? ReadLines(templatesFile, "templates") : DefaultTemplates);
    }

    private static string[] ReadLines(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"the evaluation {what} file '{path}' does not exist", path);
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"the evaluation {what} file '{path}' is empty");
        return lines;
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace TinyClip.Cli.Tests.Docs;

/// <summary>
/// The settings tables of docs/configuration.md, made from hocon/reference.conf: one table per block under
/// <c>tinyclip</c>, each key with its default and the comment above it. reference.conf is written one key or block per
/// line (the shape this reader understands); the test beside it checks the keys found here against Akka's own parser.
/// </summary>
public static partial class SettingsReference
{
    public sealed record Setting(string Path, string Default, string Meaning);

    public sealed record Block(string Path, string Description, IReadOnlyList<Setting> Settings);

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9\-]+)\s*\{$")]
    private static partial Regex BlockStart();

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9\-]+)\s*=\s*(?<value>.+)$")]
    private static partial Regex KeyValue();

    /// <summary>The blocks under <c>tinyclip</c> in file order, each with the keys directly inside it.</summary>
    public static IReadOnlyList<Block> Read(string referenceConf)
    {
        var blocks = new List<(string Path, string Description, List<Setting> Settings)>();
        var path = new List<string>();
        var comment = new List<string>();
        foreach (var raw in referenceConf.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#'))
            {
                comment.Add(line.TrimStart('#').Trim());
                continue;
            }
            var pending = string.Join(' ', comment);
            comment.Clear();
            if (line.Length == 0) continue;
            if (BlockStart().Match(line) is { Success: true } start)
            {
                path.Add(start.Groups["key"].Value);
                if (path[0] == "tinyclip") blocks.Add((string.Join('.', path), pending, new List<Setting>()));
            }
            else if (line == "}")
            {
                path.RemoveAt(path.Count - 1);
            }
            else if (path.Count > 0 && path[0] == "tinyclip" && KeyValue().Match(line) is { Success: true } setting)
            {
                var block = blocks.Last(b => b.Path == string.Join('.', path));
                block.Settings.Add(new Setting($"{block.Path}.{setting.Groups["key"].Value}", setting.Groups["value"].Value.Trim(), pending));
            }
        }
        return blocks.Where(b => b.Settings.Count > 0)
            .Select(b => new Block(b.Path, b.Description, b.Settings)).ToList();
    }

    /// <summary>The markdown of every block: a heading, its comment, a table of key, default and meaning.</summary>
    public static string Markdown(IReadOnlyList<Block> blocks)
    {
        // Escaped for a table cell; "<name>" would otherwise be taken for an HTML tag and hidden.
        static string Cell(string text) => text.Replace("|", "\\|").Replace("<", "&lt;");
        var markdown = new StringBuilder();
        foreach (var block in blocks)
        {
            markdown.Append($"\n### `{block.Path}`\n\n");
            if (block.Description.Length > 0) markdown.Append(block.Description).Append("\n\n");
            markdown.Append("| key | default | meaning |\n|---|---|---|\n");
            foreach (var setting in block.Settings)
                markdown.Append($"| `{setting.Path[(block.Path.Length + 1)..]}` | `{Cell(setting.Default)}` | {Cell(setting.Meaning)} |\n");
        }
        return markdown.ToString();
    }
}

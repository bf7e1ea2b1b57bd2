namespace TinyClip.Benchmarks.Harness;

/// <summary>One benchmark's part of BENCHMARKS.md: how it was measured, a table, and what to read from it.</summary>
public sealed class BenchmarkSection(string title, string method)
{
    private readonly List<string[]> _rows = new();
    private readonly List<string> _notes = new();
    private string[] _header = Array.Empty<string>();

    public BenchmarkSection Columns(params string[] header) { _header = header; return this; }
    public BenchmarkSection Row(params string[] cells) { _rows.Add(cells); return this; }
    public BenchmarkSection Note(string text) { _notes.Add(text); return this; }

    public void WriteMarkdown(TextWriter writer)
    {
        writer.WriteLine($"## {title}");
        writer.WriteLine();
        writer.WriteLine($"**Method.** {method}");
        writer.WriteLine();
        if (_header.Length > 0)
        {
            writer.WriteLine("| " + string.Join(" | ", _header) + " |");
            writer.WriteLine("|" + string.Concat(_header.Select(_ => " --- |")));
            foreach (var row in _rows) writer.WriteLine("| " + string.Join(" | ", row) + " |");
            writer.WriteLine();
        }
        foreach (var note in _notes)
        {
            writer.WriteLine(note);
            writer.WriteLine();
        }
    }
}

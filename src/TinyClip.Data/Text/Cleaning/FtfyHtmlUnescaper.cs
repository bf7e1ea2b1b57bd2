using System.Text.RegularExpressions;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// ftfy's unescape_html, more careful than html.unescape because ftfy runs on text that may not be HTML: only
/// complete references with their ';' are decoded ("this&amp;not that" stays), plus all-capital spellings of the
/// lower-case names (&amp;EACUTE; as É, upper-cased) where the capital name is not a reference of its own.
/// </summary>
public static class FtfyHtmlUnescaper
{
    private static readonly Regex Reference = new("&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Entities = new(BuildEntities);

    public static string Unescape(string text) => Reference.Replace(text, match => Replacement(match.Value));

    private static string Replacement(string reference)
    {
        if (Entities.Value.TryGetValue(reference, out var text))
        {
            return text;
        }
        if (!reference.StartsWith("&#", StringComparison.Ordinal))
        {
            return reference;
        }
        var unescaped = PythonHtmlUnescaper.Unescape(reference);
        // A numeric reference that html.unescape decoded only in part (its ';' left over) stays as it was.
        return unescaped.Contains(';', StringComparison.Ordinal) ? reference : unescaped;
    }

    private static Dictionary<string, string> BuildEntities()
    {
        var entities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in HtmlNamedReferences.All.Where(reference => reference.Key.EndsWith(';')))
        {
            entities["&" + name] = text;
            if (!name.Any(char.IsAsciiLetterUpper))
            {
                var capitalReference = "&" + name.ToUpperInvariant();
                if (PythonHtmlUnescaper.Unescape(capitalReference) == capitalReference)
                {
                    entities[capitalReference] = PythonCaseMapping.Upper(text);
                }
            }
        }
        return entities;
    }
}

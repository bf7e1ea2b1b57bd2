using System.Text;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// Text as Python sees it: a sequence of code points. A surrogate pair is one code point; a lone surrogate (which a
/// .NET string can hold, as a Python str can) is a code point of its own.
/// </summary>
internal static class CodePointText
{
    public static int[] CodePoints(string text)
    {
        var codePoints = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoints.Add(char.ConvertToUtf32(text[i], text[i + 1]));
                i++;
            }
            else
            {
                codePoints.Add(text[i]);
            }
        }
        return codePoints.ToArray();
    }

    public static void Append(StringBuilder builder, int codePoint)
    {
        if (codePoint is >= 0xD800 and <= 0xDFFF)
        {
            builder.Append((char)codePoint);
        }
        else
        {
            builder.Append(char.ConvertFromUtf32(codePoint));
        }
    }

    public static string FromCodePoints(IEnumerable<int> codePoints)
    {
        var builder = new StringBuilder();
        foreach (var codePoint in codePoints)
        {
            Append(builder, codePoint);
        }
        return builder.ToString();
    }
}

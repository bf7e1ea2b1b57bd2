using System.Globalization;
using System.Text;

namespace TinyClip.Data.Text;

/// <summary>
/// Splits a cleaned caption into the words BPE works on, exactly like OpenCLIP's regex
/// <c>&lt;start_of_text&gt;|&lt;end_of_text&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// applied with findall (unmatched white space is dropped). It is a hand-written scanner over Unicode scalar values
/// rather than a .NET Regex because .NET classifies UTF-16 code units: a letter outside the BMP would be a
/// surrogate, not \p{L}, and would split differently than in Python.
/// </summary>
public static class PreTokenizer
{
    // The literal alternatives in the OpenCLIP pattern's order (special tokens, then contractions); the first that
    // matches wins and there is no word-boundary check, so "'sa" is "'s" then "a".
    private static readonly string[] Literals =
        [ClipVocabulary.StartOfTextToken, ClipVocabulary.EndOfTextToken, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    private enum CharacterClass
    {
        WhiteSpace,
        Letter,
        Number,
        Other,
    }

    /// <summary>The words of <paramref name="cleanedText"/> in order, special-token names included as words.</summary>
    public static IEnumerable<string> Split(string cleanedText)
    {
        var position = 0;
        while (position < cleanedText.Length)
        {
            var length = MatchLength(cleanedText, position);
            if (length > 0)
            {
                yield return cleanedText.Substring(position, length);
                position += length;
            }
            else
            {
                position += 1;
            }
        }
    }

    /// <summary>Length of the word starting at <paramref name="start"/>, or 0 when it is white space.</summary>
    private static int MatchLength(string text, int start)
    {
        foreach (var literal in Literals)
        {
            if (text.AsSpan(start).StartsWith(literal, StringComparison.OrdinalIgnoreCase))
            {
                return literal.Length;
            }
        }

        var (firstClass, firstLength) = ClassifyAt(text, start);
        switch (firstClass)
        {
            case CharacterClass.WhiteSpace:
                return 0;
            case CharacterClass.Number:
                return firstLength;
            default:
                var end = start + firstLength;
                while (end < text.Length)
                {
                    var (nextClass, nextLength) = ClassifyAt(text, end);
                    if (nextClass != firstClass)
                    {
                        break;
                    }
                    end += nextLength;
                }
                return end - start;
        }
    }

    private static (CharacterClass Class, int Length) ClassifyAt(string text, int index)
    {
        if (CaptionCleaner.IsWhiteSpace(text[index]))
        {
            return (CharacterClass.WhiteSpace, 1);
        }
        // A lone surrogate decodes as U+FFFD (a symbol), the same class Python gives it (Cs): "other".
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var length);
        var characterClass = Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharacterClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                => CharacterClass.Number,
            _ => CharacterClass.Other,
        };
        return (characterClass, length);
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// ftfy's UTF8_DETECTOR_RE: runs of characters that are UTF-8 byte sequences misread as Latin-1 or a Windows code
/// page: a character of a lead byte followed by the right number of characters of continuation bytes. The character
/// classes are what those bytes decode to in <see cref="LegacyEncodings.Utf8MojibakeSources"/>, with ftfy's
/// choices: four-byte sequences are looked for only after lead bytes F0 and F3, a space may stand for a
/// continuation byte A0, and a run must not follow a continuation character other than common punctuation.
/// </summary>
public static class Utf8MojibakeDetector
{
    /// <summary>Continuation characters that also end ordinary words ("’", "—", "…"), so a run may follow them.</summary>
    private const string OrdinaryPunctuation = "\u2013\u2014\u2015\u2018\u2019\u201A\u201C\u201D\u201E\u2022\u2026";

    private static readonly Lazy<Regex> Detector = new(Build);

    public static bool Matches(string text) => Detector.Value.IsMatch(text);

    public static string Replace(string text, MatchEvaluator evaluator) => Detector.Value.Replace(text, evaluator);

    private static Regex Build()
    {
        var leadOfTwo = ClassOf(ByteRange(0xC2, 0xDF));
        var leadOfThree = ClassOf(ByteRange(0xE0, 0xEF));
        var leadOfFour = ClassOf([0xF0, 0xF3]);
        var continuationCharacters = Decoded(ByteRange(0x80, 0xBF));
        var continuation = Escape(continuationCharacters.Append(' '));
        var strictContinuation = Escape(continuationCharacters.Where(c => !OrdinaryPunctuation.Contains(c)));
        var pattern = $"(?<![{strictContinuation}])(?:[{leadOfTwo}][{continuation}]|[{leadOfThree}][{continuation}]{{2}}|[{leadOfFour}][{continuation}]{{3}})+";
        return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    private static IEnumerable<byte> ByteRange(int first, int last) =>
        Enumerable.Range(first, last - first + 1).Select(b => (byte)b);

    private static string ClassOf(IEnumerable<byte> bytes) => Escape(Decoded(bytes));

    private static IEnumerable<char> Decoded(IEnumerable<byte> bytes) =>
        bytes.SelectMany(b => LegacyEncodings.Utf8MojibakeSources.Select(codec => codec.Decode(b))).Distinct().Order();

    private static string Escape(IEnumerable<char> characters)
    {
        var builder = new StringBuilder();
        foreach (var c in characters)
        {
            builder.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}

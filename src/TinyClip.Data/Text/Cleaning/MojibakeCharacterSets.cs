namespace TinyClip.Data.Text.Cleaning;

/// <summary>
/// The character groups of ftfy 6.x's badness heuristic, as contents of regular-expression character classes.
/// They are the few hundred characters that UTF-8 mojibake in ftfy's single-byte encodings is made of, grouped by
/// how they are used in real text; the heuristic flags sequences of them that real text hardly ever contains.
/// </summary>
internal static class MojibakeCharacterSets
{
    /// <summary>Characters of ordinary text that also occur in mojibake: no evidence on their own.</summary>
    public const string Common = "\u00A0\u00AD\u00B4\u00B7\u2013\u2014\u2015\u2019\u2026";

    /// <summary>The C1 controls, which nothing but mojibake produces any more.</summary>
    public const string C1 = "\u0080-\u009F";

    /// <summary>Characters almost only seen in mojibake (and the ordinal indicators, which rarely meet it otherwise).</summary>
    public const string Bad = "\u00A4\u00A6\u00A8\u00AA\u00AC\u00AF\u00B8\u00BA\u0192\u02C6\u02C7\u02D8\u02DB\u02DC"
        + "\u2020\u2021\u2030\u2310\u25CA\uFFFD";

    /// <summary>Signs of legal text.</summary>
    public const string Law = "\u00A7\u00B6";

    public const string Currency = "\u00A2\u00A3\u00A5\u20A7\u20AC";

    public const string StartPunctuation = "\u00A1\u00A9\u00AB\u00BF\u0384\u0385\u2018\u201A\u201C\u201E\u2022\u2039\uF8FF";

    public const string EndPunctuation = "\u00AE\u00BB\u02DD\u201D\u203A\u2122";

    public const string Numeric = "\u00B1\u00B2\u00B3\u00B5\u00B9\u00BC\u00BD\u00BE\u00D7\u00F7\u2044\u2116"
        + "\u2202\u2206\u220F\u2211\u221A\u221E\u2229\u222B\u2248\u2260\u2261\u2264\u2265";

    /// <summary>Letters that emoticons (kaomoji) are drawn with, so they may stand in odd company.</summary>
    public const string Kaomoji = "\u00B0\u00D2-\u00D6\u00D9-\u00DC\u00F2-\u00F6\u00F8-\u00FC\u014C\u0150\u016A\u0172";

    public const string UpperAccented = "\u00C0-\u00D1\u00D8\u00DC\u00DD\u0100\u0102\u0104\u0106\u010C\u010E\u0110"
        + "\u0112\u0116\u0118\u011A\u011E\u0122\u012A\u0130\u0136\u0139\u013B\u013D\u0141\u0143\u0145\u0147\u0152"
        + "\u0158\u015A\u015E\u0160\u0162\u0164\u016E\u0170\u0178\u0179\u017B\u017D\u0490";

    public const string LowerAccented = "\u00DF\u00E0-\u00F1\u00FC\u0101\u0103\u0105\u0107\u010D\u010F\u0111\u0113"
        + "\u0117\u0119\u011B\u011F\u0123\u012B\u012F\u0137\u013A\u013C\u013E\u0142\u0153\u0155\u015B\u015F\u0161"
        + "\u0165\u017A\u017C\u017E\u0491\uFB01\uFB02";

    public const string UpperCommon = "\u00DE\u0386\u0388-\u038A\u038C\u038E\u038F\u0391-\u03A9\u03AA\u03AB\u0401-\u042F";

    public const string LowerCommon = "\u03AC-\u03B0\u03B1-\u03C9\u0430-\u045F";

    public const string Box = "\u2502\u250C\u2510\u2518\u251C\u2524\u252C\u253C\u2550-\u256C\u2580\u2584\u2588\u258C"
        + "\u2590-\u2593";
}

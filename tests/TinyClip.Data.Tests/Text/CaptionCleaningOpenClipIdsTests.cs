using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

/// <summary>
/// Captions that OpenCLIP's cleaning changes (ftfy.fix_text, html.unescape twice, white space, str.lower), each with
/// the cleaned text and the ids OpenCLIP's tokenizer gives on its real vocabulary. How each caption is cleaned is
/// reasoned from ftfy 6.3's and CPython's sources; the ids follow ClipTokenizerRealVocabularyTests' rules: ids
/// 0..255 are byte symbols ('!' = 0, 'a' = 64; the bytes 0x80.. that are not printable come after the printable
/// ones), 256..511 the same word-final, and a word that BPE merges into one token has the id of its last merge's
/// file line + 510 (lines read with <c>zcat bpe_simple_vocab_16e6.txt.gz | grep -nxF 'x y'</c>). Each word below names
/// that last merge, or the byte symbols a word stays split into.
/// </summary>
public class CaptionCleaningOpenClipIdsTests
{
    private static ClipTokenizer Tokenizer => SharedClipVocabulary.Tokenizer;

    // café = c a f C3 A9; the symbols end as "caf" + "Ã©</w>", merged on line 14794 "caf Ã©</w>" -> 15304.
    // au: line 2056 "a u</w>" -> 2566. lait: "la" (line 62) + "it</w>" (line 75) -> 572, 585.
    // noir: line 12443 "no ir</w>" -> 12953.
    [Theory]
    // UTF-8 read as Latin-1: "Ã©" fits Latin-1, and its bytes C3 A9 decode as UTF-8 to "é". The heuristic
    // flags it: 'Ã' followed by '©' is one of ftfy's two-character Windows-1252 patterns.
    [InlineData("cafÃ© au lait", "café au lait", new[] { 15304, 2566, 572, 585 })]
    // UTF-8 read as Mac Roman: "√©" is Mac Roman C3 A9 ('√' is "numeric" and '©' "start punctuation", a pattern);
    // Latin-1 and the Windows code pages cannot hold '√', Mac Roman is the first that can.
    [InlineData("caf√© au lait", "café au lait", new[] { 15304, 2566, 572, 585 })]
    // UTF-8 read as code page 437: "├⌐" is CP437 C3 A9 ('├' is a box character and '⌐' a "bad" one, a pattern).
    [InlineData("caf├⌐ noir", "café noir", new[] { 15304, 12953 })]
    // UTF-8 read as Windows-1252: "â™¥" is E2 99 A5 = '♥'. ♥: "âĻ¥</w>" on line 2895 -> 3405; ny: line 840 -> 1350;
    // i: one letter, word-final 'i' = 256 + 72 = 328.
    [InlineData("I â™¥ NY", "i ♥ ny", new[] { 328, 3405, 1350 })]
    // UTF-8 read as Windows-1251: "РџСЂРёРІРµС‚" is the Cyrillic word; Latin-1 and Windows-1252 cannot hold 'Р'.
    // привет stays in pieces: "Ð¿" 26302, "ÑĢ" 16370, "Ð¸Ð" 29503, '²' 110, "Ðµ" 22176, 'Ñ' 141, "Ĥ</w>" 480.
    // world: line 492 "wor ld</w>" -> 1002.
    [InlineData("РџСЂРёРІРµС‚ world", "привет world", new[] { 26302, 16370, 29503, 110, 22176, 141, 480, 1002 })]
    // Mojibake twice over: one pass gives "â€œhiâ€\u009d", the next the curly quotes, which ftfy straightens.
    // '"' = 256 + 1 = 257; hi: line 1373 "h i</w>" -> 1883.
    [InlineData("Ã¢â‚¬Å“hiÃ¢â‚¬Â\u009d", "\"hi\"", new[] { 257, 1883, 257 })]
    // restore_byte_a0: "Ã " alone before a word is 'à' whose A0 byte became a space; ftfy puts back C3 A0 and keeps
    // the space. à: line 20749 "Ã ł</w>" -> 21259; la: line 700 -> 1210; mode: line 5983 "mo de</w>" -> 6493.
    [InlineData("Ã la mode", "à la mode", new[] { 21259, 1210, 6493 })]
    // replace_lossy_sequences: in "â€�" the last byte was lost to U+FFFD, which sloppy Windows-1252 encodes as 1A;
    // E2 80 1A matches a lossy UTF-8 sequence and becomes EF BF BD, so the right quote is U+FFFD.
    // quoted: line 27196 "quo ted</w>" -> 27706; U+FFFD: "ï¿½</w>" on line 39292 -> 39802.
    [InlineData("â€œquotedâ€�", "\"quoted\uFFFD", new[] { 257, 27706, 39802 })]
    // decode_inconsistent_utf8: "日本" fits no single-byte encoding, so only the run "Ã©" is decoded.
    // 日本: "æĹ¥" 39121, "æľ" 19277, "¬</w>" 361.
    [InlineData("cafÃ© 日本", "café 日本", new[] { 15304, 39121, 19277, 361 })]
    // UTF-8 of "Łódź" read as sloppy Windows-1250: byte 81 is undefined there and was kept as U+0081 (a C1
    // control, which alone makes the text "bad"); 'Ĺ' rules out Latin-1, Windows-1252 and -1251.
    // łódź stays in pieces: "ÅĤ" 40419, "Ã³" 8891, 'd' 67, 'Å' 129, "º</w>" 374.
    [InlineData("Ĺ\u0081ĂłdĹş", "łódź", new[] { 40419, 8891, 67, 129, 374 })]
    public void Mojibake_is_repaired(string caption, string cleaned, int[] ids) => AssertCleanedAndIds(caption, cleaned, ids);

    // fish: line 2249 "f ish</w>" -> 2759; '&' = 256 + 5 = 261; chips: line 8345 "chi ps</w>" -> 8855.
    // tom: line 1925 -> 2435; jerry: line 8654 "jer ry</w>" -> 9164. '<' = 256 + 27 = 283, '3' = 256 + 18 = 274.
    [Theory]
    // ftfy decodes only references with ';'; html.unescape also takes "&amp" without one (valid without ';' in HTML5).
    [InlineData("fish &amp chips", "fish & chips", new[] { 2759, 261, 8855 })]
    // "&not" is valid without ';' too, so html.unescape decodes it inside "this&not that" (ftfy would not).
    // this: line 79 -> 589; '¬' is C2 AC: 'Â' = 126 and "¬</w>" = 361; that: line 172 -> 682.
    [InlineData("this&not that", "this¬ that", new[] { 589, 126, 361, 682 })]
    // ftfy repeats its fixes until nothing changes, so it undoes any depth of escaping while no '<' is in the line.
    [InlineData("Tom &amp;amp; Jerry", "tom & jerry", new[] { 2435, 261, 9164 })]
    [InlineData("&amp;amp;amp;lt;3", "<3", new[] { 283, 274 })]
    // A literal '<' makes ftfy take the line for HTML and leave references alone; then html.unescape runs twice only.
    // '<' 283, 'i' 328, ">&" = '>' 29 + "&</w>" 261, amp: line 5749 -> 6259, ";</" = ';' 26 + "</</w>" 34308, '>' 285.
    [InlineData("<i>&amp;amp;amp;</i>", "<i>&amp;</i>", new[] { 283, 328, 29, 261, 6259, 26, 34308, 328, 285 })]
    // ftfy's all-capital spelling of a lower-case name: &EACUTE; is 'é' upper-cased.
    // pérez: "pÃ©" (line 42657) -> 43167 and "rez</w>" (line 14682) -> 15192.
    [InlineData("P&EACUTE;REZ", "pérez", new[] { 43167, 15192 })]
    // &AMP; is an HTML5 name itself; &Amp; is not a name, and no prefix of "Amp;" is, so it stays.
    // amp 6259, ';' = 256 + 26 = 282.
    [InlineData("&AMP; &Amp;", "& &amp;", new[] { 261, 261, 6259, 282 })]
    // &#150; is a Windows-1252 byte: CPython maps 0x80..0x9F through that code page, so it is the en dash.
    // '–': "âĢĵ</w>" on line 714 -> 1224; dash: line 9696 -> 10206.
    [InlineData("&#150; dash", "– dash", new[] { 1224, 10206 })]
    // &#0; becomes U+FFFD; a numeric reference past the BMP is one character: 😀 = "ðŁĺĢ</w>" on line 6824 -> 7334.
    // ok: line 1971 -> 2481.
    [InlineData("a&#0;b", "a\uFFFDb", new[] { 320, 39802, 321 })]
    [InlineData("&#x1F600; ok", "😀 ok", new[] { 7334, 2481 })]
    // "&notin;" is a name of its own; "&nota" is not, but its longest prefix valid without ';', "&not", is.
    // '∉' = "âĪ" 17788 + "ī</w>" 487.
    [InlineData("&notin; &nota", "∉ ¬a", new[] { 17788, 487, 126, 361, 320 })]
    public void Html_references_are_decoded_as_ftfy_and_then_html_unescape_twice_do(string caption, string cleaned, int[] ids) =>
        AssertCleanedAndIds(caption, cleaned, ids);

    [Theory]
    // remove_terminal_escapes: ESC [ digits ; letter. red: line 226 -> 736; alert: line 4152 -> 4662.
    [InlineData("\u001B[31mred\u001B[0m alert", "red alert", new[] { 736, 4662 })]
    // remove_control_chars drops NUL, BEL and the byte order mark. bad: line 1593 -> 2103; bell: line 3208 -> 3718.
    [InlineData("bad\u0000 \u0007bell\uFEFF", "bad bell", new[] { 2103, 3718 })]
    // U+001F is dropped as a control before white space is considered; U+3000 is made a space by the width fix.
    // ab: line 3427 "a b</w>" -> 3937; 'c' = 256 + 66 = 322.
    [InlineData("a\u001Fb\u3000c", "ab c", new[] { 3937, 322 })]
    public void Terminal_escapes_and_control_characters_are_removed(string caption, string cleaned, int[] ids) =>
        AssertCleanedAndIds(caption, cleaned, ids);

    [Theory]
    // A C1 control makes the text "bad"; no UTF-8 reading works, it fits Latin-1, so Latin-1 is reread as
    // Windows-1252: U+0080 is '€' ("âĤ¬</w>", line 5799 -> 6309). price: line 2317 -> 2827.
    [InlineData("\u0080 price", "€ price", new[] { 6309, 2827 })]
    // U+0093/U+0094 likewise become curly quotes, which are then straightened. quoted 27706.
    [InlineData("\u0093quoted\u0094", "\"quoted\"", new[] { 257, 27706, 257 })]
    // NEXT LINE (U+0085) is a C1 control too: the encoding fix makes it '…' before the line-break fix could.
    // wait: line 1375 -> 1885; '…': "âĢ¦</w>" on line 449 -> 959; what: line 258 -> 768.
    [InlineData("wait\u0085what", "wait…what", new[] { 1885, 959, 768 })]
    public void C1_controls_are_read_as_windows_1252(string caption, string cleaned, int[] ids) =>
        AssertCleanedAndIds(caption, cleaned, ids);

    [Theory]
    // fix_latin_ligatures. fish 2759; and: line 27 -> 537; flowers: line 3513 "flow ers</w>" -> 4023.
    [InlineData("ﬁsh and ﬂowers", "fish and flowers", new[] { 2759, 537, 4023 })]
    // The digraph ǅ (U+01C5) is taken apart into 'D' 'ž'. džemal: 'd' 67, 'ž' = C5 BE: 'Å' 129, '¾' 122,
    // "em" (line 398) 908, "al</w>" (line 56) 566.
    [InlineData("ǅemal", "džemal", new[] { 67, 129, 122, 908, 566 })]
    // fix_character_width: full-width Latin and digits, the ideographic space. loud: line 6954 -> 7464;
    // noises: line 31065 -> 31575; abc: line 4824 -> 5334; digits are single word-final symbols 272, 273, 274.
    [InlineData("ＬＯＵＤ\u3000ＮＯＩＳＥＳ", "loud noises", new[] { 7464, 31575 })]
    [InlineData("ＡＢＣ１２３", "abc123", new[] { 5334, 272, 273, 274 })]
    // Half-width katakana ﾊ + ﾟ become ハ + U+309A, which NFC composes to パ. パン: "ãĥ" 2429, 'ĳ' 239, "ãĥ³</w>" 26875.
    [InlineData("ﾊﾟﾝ", "パン", new[] { 2429, 239, 26875 })]
    // uncurl_quotes: with a straight apostrophe "'s" splits off as its own token ("'s</w>", line 58 -> 568).
    // here: line 253 -> 763; test: line 1118 -> 1628.
    [InlineData("“here’s a test”", "\"here's a test\"", new[] { 257, 763, 568, 320, 1628, 257 })]
    public void Ligatures_widths_and_quotes_are_made_plain(string caption, string cleaned, int[] ids) =>
        AssertCleanedAndIds(caption, cleaned, ids);

    [Theory]
    // fix_line_breaks makes CRLF, U+2028 and U+2029 a line feed; the white-space step makes that a space.
    // hello 3306, world 1002; one: line 127 -> 637; two: line 727 -> 1237.
    [InlineData("HELLO\r\nWORLD", "hello world", new[] { 3306, 1002 })]
    [InlineData("one\u2028two", "one two", new[] { 637, 1237 })]
    // A surrogate pair is its character: 😀 = "ðŁĺĢ</w>" (line 6824) -> 7334. smile: line 2980 -> 3490.
    [InlineData("smile \uD83D\uDE00", "smile 😀", new[] { 3490, 7334 })]
    public void Line_breaks_are_fixed(string caption, string cleaned, int[] ids) => AssertCleanedAndIds(caption, cleaned, ids);

    // fix_surrogates: a lone surrogate becomes U+FFFD ("ï¿½</w>", line 39292 -> 39802). Built here, because the test
    // runner cannot carry a lone surrogate in an attribute unchanged.
    [Fact]
    public void A_lone_surrogate_becomes_a_replacement_character() =>
        AssertCleanedAndIds("smile " + '\uD83D', "smile \uFFFD", [3490, 39802]);

    [Theory]
    // NFC: 'e' + U+0301 is composed to 'é', so the word is the same token as "café" (15304).
    [InlineData("cafe\u0301", "café", new[] { 15304 })]
    // 'A' + ring above is 'Å', lower-cased 'å' = C3 A5: 'Ã' 127, "¥</w>" 354.
    [InlineData("A\u030A", "å", new[] { 127, 354 })]
    public void Text_is_composed_to_nfc(string caption, string cleaned, int[] ids) => AssertCleanedAndIds(caption, cleaned, ids);

    [Theory]
    // str.lower maps 'İ' to "i̇" ('i' and U+0307). U+0307 is no letter, so it is a word of its own:
    // 'i' 328, U+0307 = CC 87: "Ìĩ</w>" on line 15874 -> 16384; stanbul: line 10721 -> 11231.
    [InlineData("İSTANBUL", "i̇stanbul", new[] { 328, 16384, 11231 })]
    // str.lower makes a capital sigma at the end of a word 'ς' (CF 82), elsewhere 'σ' (CF 83). No merges join Greek
    // here: σ = 'Ï' 139 + 'ĥ' 225, α = 'Î' 138 + '±' 109, final ς = 'Ï' 139 + "Ĥ</w>" 480, ο = 138 123, δ = 138 112.
    [InlineData("ΣΑΣ ΟΔΟΣ.", "σας οδος.", new[] { 139, 225, 138, 109, 139, 480, 138, 123, 138, 112, 138, 123, 139, 480, 269 })]
    // 'ß' stays 'ß' in lower(): straße = "stra" (line 1384) 1894, 'Ã' 127, 'Ł' 253, "e</w>" 324.
    [InlineData("Straße", "straße", new[] { 1894, 127, 253, 324 })]
    public void Lower_casing_is_pythons(string caption, string cleaned, int[] ids) => AssertCleanedAndIds(caption, cleaned, ids);

    [Theory]
    // Nothing for ftfy to fix: the published ids of "a photo of a cat" (ClipTokenizerRealVocabularyTests).
    [InlineData("a photo of a cat", "a photo of a cat", new[] { 320, 1125, 539, 320, 2368 })]
    // Correct accented text is left alone ('ï' before 'v' and 'é' at the end are no mojibake pattern).
    // naïve: "na" 1097, "Ã¯" 35689, "ve</w>" 563.
    [InlineData("naïve café", "naïve café", new[] { 1097, 35689, 563, 15304 })]
    // crème brûlée: "cr" 1075, "Ã¨" 12138, "me</w>" 614; "br" 711, 'Ã' 127, '»' 119, 'l' 75, "Ã©e</w>" 13489.
    [InlineData("crème brûlée", "crème brûlée", new[] { 1075, 12138, 614, 711, 127, 119, 75, 13489 })]
    // "&lt;3" is decoded by ftfy (no literal '<' on the line). you: line 82 -> 592.
    [InlineData("&lt;3 you", "<3 you", new[] { 283, 274, 592 })]
    public void Ordinary_captions_keep_their_text(string caption, string cleaned, int[] ids) =>
        AssertCleanedAndIds(caption, cleaned, ids);

    private static void AssertCleanedAndIds(string caption, string cleaned, int[] ids)
    {
        Assert.Equal(cleaned, CaptionCleaner.Clean(caption));
        Assert.Equal(ids, Tokenizer.EncodeIds(caption));
    }
}

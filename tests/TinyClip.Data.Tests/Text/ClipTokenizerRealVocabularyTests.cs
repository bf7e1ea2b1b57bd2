using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

/// <summary>
/// Ids on OpenCLIP's real merges file. The hand derivations use two facts of OpenCLIP's vocabulary layout:
/// ids 0..255 are the byte symbols in bytes_to_unicode order ('!' = 0, 'a' = 64), ids 256..511 the same symbols
/// word-final ("a&lt;/w&gt;" = 320), and the merge on file line n (line 1 is the header) has rank n - 2 and id n + 510.
/// At each step BPE merges the adjacent pair with the lowest line number. Line numbers were read with
/// <c>zcat bpe_simple_vocab_16e6.txt.gz | grep -nxF 'x y'</c>.
/// </summary>
public class ClipTokenizerRealVocabularyTests
{
    private const int StartOfText = 49406;
    private const int EndOfText = 49407;

    private static ClipTokenizer Tokenizer => SharedClipVocabulary.Tokenizer;

    [Fact]
    public void The_real_vocabulary_has_49408_ids_with_the_specials_last()
    {
        Assert.Equal(49408, Tokenizer.VocabularySize);
        Assert.Equal(StartOfText, Tokenizer.Vocabulary.StartOfTextId);
        Assert.Equal(EndOfText, Tokenizer.Vocabulary.EndOfTextId);
        Assert.Equal("!", Tokenizer.Vocabulary.TokenOf(0));
        Assert.Equal("a</w>", Tokenizer.Vocabulary.TokenOf(320));
        Assert.Equal("in", Tokenizer.Vocabulary.TokenOf(512)); // line 2, the first merge "i n"
        Assert.Equal("jekyll</w>", Tokenizer.Vocabulary.TokenOf(49405)); // line 48895, the last merge used
    }

    // "a" is one byte, so it is the word-final byte symbol: 256 + 64 = 320.
    // "photo": p h o t o</w>. Lowest-line pair each step: line 21 "t o</w>" -> p h o to</w>;
    //   line 96 "h o" (beats "p h" 235, "o to</w>" 22889) -> p ho to</w>; line 306 "p ho" -> pho to</w>;
    //   line 615 "pho to</w>" -> photo</w> = 615 + 510 = 1125.
    // "of": o f</w>, line 29 "o f</w>" -> of</w> = 539.
    // "cat": c a t</w>, line 26 "a t</w>" (beats "c a" 262) -> c at</w>; line 1858 "c at</w>" -> cat</w> = 2368.
    [Fact]
    public void A_photo_of_a_cat_matches_the_published_openclip_ids() =>
        Assert.Equal([StartOfText, 320, 1125, 539, 320, 2368, EndOfText], Tokenizer.Encode("a photo of a cat", 7));

    // "dog": d o g</w>, line 129 "d o" (beats "o g</w>" 8045) -> do g</w>; line 1419 "do g</w>" -> dog</w> = 1929.
    [Fact]
    public void A_dog_matches_the_published_openclip_ids() =>
        Assert.Equal([StartOfText, 320, 1929, EndOfText], Tokenizer.Encode("a dog", 4));

    [Fact]
    public void A_cat_matches_the_published_openclip_ids() =>
        Assert.Equal([StartOfText, 320, 2368, EndOfText], Tokenizer.Encode("a cat", 4));

    // "diagram": d i a g r a m</w>. line 49 "r a" -> d i a g ra m</w> (beats "d i" 60, "a g" 92, "g r" 199,
    //   "a m</w>" 177, "i a" 11976); line 60 "d i" -> di a g ra m</w>; line 92 "a g" -> di ag ra m</w>;
    //   line 1497 "ra m</w>" -> di ag ram</w>; line 1937 "ag ram</w>" -> di agram</w>;
    //   line 22187 "di agram</w>" -> diagram</w> = 22187 + 510 = 22697.
    [Fact]
    public void A_diagram_matches_the_published_openclip_ids() =>
        Assert.Equal([StartOfText, 320, 22697, EndOfText], Tokenizer.Encode("a diagram", 4));

    // "hello": h e l l o</w>. line 34 "e l" (beats "h e" 141, "l l" 1147, "l o</w>" 2472) -> h el l o</w>;
    //   line 316 "el l" -> h ell o</w>; line 2002 "ell o</w>" -> h ello</w>; line 2796 "h ello</w>" -> hello</w> = 3306.
    // "world": w o r l d</w>. line 13 "o r" (beats "l d</w>" 220, "w o" 1103, "r l" 17531) -> w or l d</w>;
    //   line 131 "w or" (there is no "or l") -> wor l d</w>; line 220 "l d</w>" (beats "wor l" 4711) -> wor ld</w>;
    //   line 492 "wor ld</w>" -> world</w> = 1002.
    // ",": one byte, word-final: 256 + (',' - '!') = 256 + 11 = 267. "!": 256 + 0 = 256.
    [Fact]
    public void Hello_world_with_punctuation_is_derived_by_hand() =>
        Assert.Equal([3306, 267, 1002, 256], Tokenizer.EncodeIds("hello, world!"));

    // "two": t w o</w>. line 456 "t w" (beats "w o</w>" 10622) -> tw o</w>; line 727 "tw o</w>" -> two</w> = 1237.
    // "red": r e d</w>. line 5 "r e" (beats "e d</w>" 28) -> re d</w>; line 226 "re d</w>" -> red</w> = 736.
    // "apples": a p p l e s</w>. line 24 "l e" (beats "e s</w>" 32, "p p" 94, "a p" 178, "p l" 202) -> a p p le s</w>;
    //   line 94 "p p" -> a pp le s</w>; line 330 "le s</w>" -> a pp les</w>; line 372 "a pp" -> app les</w>;
    //   line 13522 "app les</w>" -> apples</w> = 14032.
    [Fact]
    public void Two_red_apples_is_derived_by_hand() =>
        Assert.Equal([1237, 736, 14032], Tokenizer.EncodeIds("two red apples"));

    // U+A66E is UTF-8 EA 99 AE and no merge joins those bytes, so it stays three byte symbols.
    // 0xEA is printable Latin-1: ids 0..93 are '!'..'~', 94..105 '¡'..'¬', 106.. '®'..'ÿ', so 106 + (0xEA - 0xAE) = 166.
    // 0x99 is not printable: after the 188 printable bytes come 0x00..0x20 (188..220), then 0x7F..0xA0 (221..254),
    //   so 221 + (0x99 - 0x7F) = 247. 0xAE word-final: 256 + 106 = 362.
    // "é" is C3 A9 = "Ã" "©</w>"; line 3656 "Ã ©</w>" merges them into 3656 + 510 = 4166.
    [Fact]
    public void Characters_without_merges_fall_back_to_byte_symbols() =>
        Assert.Equal([166, 247, 362, 4166], Tokenizer.EncodeIds("\uA66E é"));

    // Digits are matched one at a time ([\p{N}]), each a word-final byte symbol: '2' = 256 + 17, '0' = 256 + 15, ...
    [Fact]
    public void Every_digit_is_its_own_token() =>
        Assert.Equal([273, 271, 273, 275], Tokenizer.EncodeIds("2024"));

    internal static readonly string[] OrdinaryCaptionTexts =
    [
        "a black and white photo of a horse", "a red car parked on the street", "two people walking on the beach",
        "a bowl of fresh fruit on a table", "a man riding a bike in the park", "a woman holding an umbrella in the rain",
        "a plate of food with a fork", "a group of children playing soccer", "an airplane flying in the blue sky",
        "a bird sitting on a tree branch", "a small boat on a calm lake", "a close up of a yellow flower",
        "a train at the station", "a kitchen with white cabinets", "a living room with a large window",
        "a painting of a mountain at sunset", "a city street at night", "a green field with cows",
        "the view from the top of the hill", "a cup of coffee on a wooden desk", "a snowy road in the forest",
        "a little girl with a teddy bear", "a cake with candles on it", "an old house by the river",
        "a pair of shoes on the floor", "a dog running in the grass", "a cat sleeping on a bed",
        "people sitting at a restaurant", "a sign on the side of the road", "a bright moon over the water",
    ];

    public static TheoryData<string> OrdinaryCaptions() => new(OrdinaryCaptionTexts);

    /// <summary>
    /// Every word of these captions is a whole-word token of the CLIP vocabulary, so each word must become exactly one
    /// id: for a one-letter ASCII word its word-final byte symbol (256 + (c - '!')), otherwise the id of the merge line
    /// whose two halves join to "word&lt;/w&gt;" (line + 510), found here in the file itself rather than through the
    /// tokenizer's vocabulary.
    /// </summary>
    [Theory]
    [MemberData(nameof(OrdinaryCaptions))]
    public void Common_words_are_one_token_each_with_the_id_of_their_merge_line(string caption)
    {
        var expected = caption.Split(' ')
            .Select(word => word.Length == 1 ? 256 + (word[0] - '!') : MergeLineOfWholeWord.Value[word + "</w>"] + 510)
            .ToList();

        Assert.Equal(expected, Tokenizer.EncodeIds(caption));
        Assert.Equal(caption, Tokenizer.Decode(Tokenizer.EncodeIds(caption)));
    }

    private static readonly Lazy<Dictionary<string, int>> MergeLineOfWholeWord = new(() =>
    {
        var lineOfToken = new Dictionary<string, int>();
        var lines = SharedClipVocabulary.MergeLines();
        for (var i = 0; i < lines.Count; i++)
        {
            lineOfToken.TryAdd(lines[i].Replace(" ", ""), i + 2);
        }
        return lineOfToken;
    });
}

using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

/// <summary>Special tokens, padding, truncation and caption cleaning, on the real vocabulary.</summary>
public class ClipTokenizerBehaviourTests
{
    private const int StartOfText = 49406;
    private const int EndOfText = 49407;

    private static ClipTokenizer Tokenizer => SharedClipVocabulary.Tokenizer;

    [Fact]
    public void A_row_is_start_ids_end_then_zeros_up_to_77()
    {
        var row = Tokenizer.Encode("a photo of a cat", ClipTokenizer.DefaultContextLength);

        Assert.Equal(77, row.Length);
        Assert.Equal([StartOfText, 320, 1125, 539, 320, 2368, EndOfText], row[..7]);
        Assert.All(row[7..], id => Assert.Equal(0, id));
    }

    [Fact]
    public void An_empty_caption_is_start_end_and_padding()
    {
        var expected = new int[77];
        expected[0] = StartOfText;
        expected[1] = EndOfText;

        Assert.Equal(expected, Tokenizer.Encode("", 77));
        Assert.Equal(expected, Tokenizer.Encode(" \t\n ", 77));
    }

    [Fact]
    public void A_too_long_caption_is_cut_and_still_ends_with_end_of_text()
    {
        var words = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? "dog" : "cat");
        var row = Tokenizer.Encode(string.Join(' ', words), 77);

        Assert.Equal(77, row.Length);
        Assert.Equal(StartOfText, row[0]);
        Assert.Equal(EndOfText, row[76]);
        Assert.Equal(Enumerable.Range(0, 75).Select(i => i % 2 == 0 ? 1929 : 2368), row[1..76]);
    }

    [Fact]
    public void A_caption_that_exactly_fills_the_row_keeps_all_its_ids()
    {
        Assert.Equal([StartOfText, 320, 2368, EndOfText], Tokenizer.Encode("a cat", 4));
        Assert.Equal([StartOfText, 320, EndOfText], Tokenizer.Encode("a cat", 3));
    }

    [Fact]
    public void A_context_shorter_than_start_and_end_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Encode("a cat", 1));

    [Fact]
    public void Special_token_names_in_a_caption_become_the_special_ids()
    {
        Assert.Equal([StartOfText, 320], Tokenizer.EncodeIds("<start_of_text>a"));
        Assert.Equal([320, EndOfText, 320], Tokenizer.EncodeIds("a <END_OF_TEXT> a"));
    }

    [Fact]
    public void Html_entities_are_unescaped_twice() // "&" is one byte: 256 + ('&' - '!') = 261
    {
        Assert.Equal([2759, 261, 8855], Tokenizer.EncodeIds("fish & chips"));
        Assert.Equal(Tokenizer.EncodeIds("fish & chips"), Tokenizer.EncodeIds("fish &amp; chips"));
        Assert.Equal(Tokenizer.EncodeIds("fish & chips"), Tokenizer.EncodeIds("fish &amp;amp; chips"));
        Assert.Equal(Tokenizer.EncodeIds("it's"), Tokenizer.EncodeIds("it&#39;s"));
    }

    [Fact]
    public void White_space_is_collapsed_and_case_is_ignored() =>
        Assert.Equal(Tokenizer.EncodeIds("a photo of a cat"), Tokenizer.EncodeIds("  A \t PHOTO\n of\u00A0a  Cat "));

    // "it" = line 75 "i t</w>" -> 585; "'s" = line 58 "' s</w>" -> 568; "'t" = line 203 "' t</w>" -> 713;
    // "life": line 44 "l i", line 363 "f e</w>", line 460 "li fe</w>" -> 970.
    [Fact]
    public void Contractions_split_off_as_in_openclip()
    {
        Assert.Equal([585, 568, 320, 1929, 568, 970], Tokenizer.EncodeIds("it's a dog's life"));
        Assert.Equal(Tokenizer.EncodeIds("don").Append(713), Tokenizer.EncodeIds("don't"));
    }

    [Fact]
    public void Punctuation_runs_are_separate_words_and_decode_with_spaces()
    {
        var ids = Tokenizer.EncodeIds("a cat.");

        Assert.Equal([320, 2368, 269], ids); // '.' = 256 + 13
        Assert.Equal("a cat .", Tokenizer.Decode(ids));
    }

    [Fact]
    public void Non_ascii_text_round_trips_through_byte_symbols()
    {
        const string caption = "naïve résumé 🐱🦜 \uA66E";

        var ids = Tokenizer.EncodeIds(caption);

        Assert.All(ids, id => Assert.InRange(id, 0, 49405));
        Assert.Equal(caption, Tokenizer.Decode(ids));
    }

    [Fact]
    public void Decoding_an_unknown_id_is_an_error() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([49408]));

    [Fact]
    public void Encoding_is_the_same_from_several_threads()
    {
        var captions = ClipTokenizerRealVocabularyTests.OrdinaryCaptionTexts;
        var expected = captions.Select(c => Tokenizer.Encode(c, 77)).ToArray();

        Parallel.For(0, 200, i => Assert.Equal(expected[i % captions.Length], Tokenizer.Encode(captions[i % captions.Length], 77)));
    }
}

using System.Diagnostics;
using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

public sealed class BpeVocabularyLearnerTests : IDisposable
{
    private static readonly string[] ShapeCaptions =
    [
        .. Enumerable.Repeat("red circle", 100),
        .. Enumerable.Repeat("blue square", 80),
        .. Enumerable.Repeat("green triangle", 60),
        .. Enumerable.Repeat("a small red square", 40),
        .. Enumerable.Repeat("a big blue circle", 30),
    ];

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_most_frequent_pair_is_merged_first()
    {
        var merges = BpeVocabularyLearner.Learn(["ab ab ab cd"], 516);

        Assert.Equal([("a", "b</w>"), ("c", "d</w>")], merges);
    }

    [Fact]
    public void Equally_frequent_pairs_go_in_ordinal_order_of_their_symbols()
    {
        Assert.Equal([("a", "b</w>"), ("x", "y</w>")], BpeVocabularyLearner.Learn(["xy ab"], 516));
        Assert.Equal([("a", "b</w>"), ("x", "y</w>")], BpeVocabularyLearner.Learn(["ab xy"], 516));
    }

    [Fact]
    public void Special_token_names_in_captions_are_not_learned() =>
        Assert.Equal([("a", "b</w>")], BpeVocabularyLearner.Learn(["<start_of_text> ab <end_of_text>"], 4096));

    [Fact]
    public void Learning_stops_early_when_every_word_is_one_symbol()
    {
        var merges = BpeVocabularyLearner.Learn(["abc abc"], 4096);

        // "a b c</w>": both pairs occur twice; "a b" comes first in ordinal order, then "ab c</w>".
        Assert.Equal([("a", "b"), ("ab", "c</w>")], merges);
    }

    [Fact]
    public void Learning_is_deterministic_and_independent_of_caption_order()
    {
        var corpus = SyntheticCorpus(2_000, seed: 7);

        var first = BpeVocabularyLearner.Learn(corpus, 1_000);
        var again = BpeVocabularyLearner.Learn(corpus, 1_000);
        var reversed = BpeVocabularyLearner.Learn(corpus.AsEnumerable().Reverse(), 1_000);

        Assert.Equal(first, again);
        Assert.Equal(first, reversed);
    }

    [Fact]
    public void The_target_size_is_reached_exactly_when_the_corpus_allows()
    {
        var merges = BpeVocabularyLearner.Learn(SyntheticCorpus(2_000, seed: 3), 1_000);
        var path = _directory.File("learned.txt");
        BpeVocabularyLearner.WriteMergesFile(path, merges);

        Assert.Equal(1_000 - 514, merges.Count);
        Assert.Equal(1_000, ClipTokenizer.FromFile(path).VocabularySize);
    }

    [Fact]
    public void Frequent_words_become_single_tokens()
    {
        var tokenizer = ClipTokenizer.FromMerges(BpeVocabularyLearner.Learn(ShapeCaptions, 560));

        var ids = tokenizer.EncodeIds("red circle");

        Assert.Equal(2, ids.Count);
        Assert.Equal("red</w>", tokenizer.Vocabulary.TokenOf(ids[0]));
        Assert.Equal("circle</w>", tokenizer.Vocabulary.TokenOf(ids[1]));
    }

    [Theory]
    [InlineData("learned.txt")]
    [InlineData("learned.txt.gz")]
    public void A_learned_file_loads_and_round_trips_its_corpus(string fileName)
    {
        var corpus = SyntheticCorpus(2_000, seed: 11).Concat(["Café &amp; Crème brûlée 🍰", "日本語 テキスト"]).ToList();
        var merges = BpeVocabularyLearner.Learn(corpus, 1_500);
        var path = _directory.File(fileName);

        BpeVocabularyLearner.WriteMergesFile(path, merges);
        var tokenizer = ClipTokenizer.FromFile(path);

        Assert.Equal(merges, MergesFile.Read(path));
        Assert.All(corpus, caption => Assert.Equal(CaptionCleaner.Clean(caption), tokenizer.Decode(tokenizer.EncodeIds(caption))));
    }

    [Fact]
    public void The_written_file_has_the_version_header_and_one_merge_per_line()
    {
        var path = _directory.File("merges.txt");

        BpeVocabularyLearner.WriteMergesFile(path, [("a", "b</w>"), ("Ġ", "c")]);

        Assert.Equal(["#version: 0.2", "a b</w>", "Ġ c"], File.ReadAllLines(path));
    }

    [Fact]
    public void Twenty_thousand_captions_learn_exactly_a_4096_vocabulary()
    {
        // Speed is measured by the benchmark program, not asserted here.
        var corpus = SyntheticCorpus(20_000, seed: 1);

        var merges = BpeVocabularyLearner.Learn(corpus, 4_096);

        Assert.Equal(4_096 - 514, merges.Count);
    }

    [Theory]
    [InlineData(513)]
    [InlineData(49_409)]
    public void A_vocabulary_size_outside_what_clip_files_hold_is_rejected(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeVocabularyLearner.Learn(["a cat"], size));

    /// <summary>Captions of 4 to 10 made-up words built from syllables, reproducible from the seed.</summary>
    private static string[] SyntheticCorpus(int count, int seed)
    {
        string[] syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "pe", "dor", "lin", "ast", "ber", "qua", "ze", "fro"];
        var random = new Random(seed);
        string Word() => string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => syllables[random.Next(syllables.Length)]));
        return Enumerable.Range(0, count)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(4, 11)).Select(_ => Word())))
            .ToArray();
    }
}

using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

public class PreTokenizerTests
{
    [Theory]
    [InlineData("a photo of a cat", new[] { "a", "photo", "of", "a", "cat" })]
    [InlineData("it's we're i'll they've i'm he'd can't", new[] { "it", "'s", "we", "'re", "i", "'ll", "they", "'ve", "i", "'m", "he", "'d", "can", "'t" })]
    [InlineData("'sand", new[] { "'s", "and" })] // the contraction alternative wins without a word boundary
    [InlineData("dogs' toys", new[] { "dogs", "'", "toys" })]
    [InlineData("2024", new[] { "2", "0", "2", "4" })]
    [InlineData("3.5kg", new[] { "3", ".", "5", "kg" })]
    [InlineData("wow!!! ...ok?", new[] { "wow", "!!!", "...", "ok", "?" })]
    [InlineData("x<start_of_text>y", new[] { "x", "<start_of_text>", "y" })]
    [InlineData(".<end_of_text>", new[] { ".<", "end", "_", "of", "_", "text", ">" })] // greedy punctuation run first
    [InlineData("café 🐱🐶", new[] { "café", "🐱🐶" })]
    [InlineData("Ⅻ½", new[] { "Ⅻ", "½" })] // letter numbers and other numbers are \p{N}, one at a time
    public void Captions_split_like_the_openclip_pattern(string text, string[] expected) =>
        Assert.Equal(expected, PreTokenizer.Split(text));

    [Fact]
    public void Letters_outside_the_basic_plane_are_letters()
    {
        // U+1D400 MATHEMATICAL BOLD CAPITAL A is \p{L} in Python; a UTF-16 regex would see two surrogates instead.
        Assert.Equal(["a\U0001D400b"], PreTokenizer.Split("a\U0001D400b"));
        Assert.Equal(["\U0001D7CE", "\U0001D7CF"], PreTokenizer.Split("\U0001D7CE\U0001D7CF")); // bold digits 0 and 1
    }
}

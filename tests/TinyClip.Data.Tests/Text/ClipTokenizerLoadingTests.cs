using System.IO.Compression;
using System.Text.Json;
using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Text;

/// <summary>The accepted file forms, and clear errors for files that are missing, empty or malformed.</summary>
public sealed class ClipTokenizerLoadingTests : IDisposable
{
    private static readonly string[] Captions =
    [
        "a photo of a cat", "Fish &amp; chips, 2 for £5!", "naïve résumé 🐱", "the quick brown fox jumps over the lazy dog",
    ];

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_plain_text_copy_of_the_merges_file_gives_the_same_ids()
    {
        var plain = _directory.File("bpe.txt");
        File.WriteAllLines(plain, ["\"bpe_simple_vocab_16e6.txt#version: 0.2", .. SharedClipVocabulary.MergeLines()]);

        AssertSameIds(SharedClipVocabulary.Tokenizer, ClipTokenizer.FromFile(plain));
    }

    [Fact]
    public void Hugging_face_vocab_json_and_merges_txt_give_the_same_ids()
    {
        WriteHuggingFaceFiles(_directory.FullPath, SharedClipVocabulary.MergeLines());

        AssertSameIds(SharedClipVocabulary.Tokenizer, ClipTokenizer.FromFile(_directory.FullPath));
    }

    [Fact]
    public void Hugging_face_files_are_found_from_the_directory_or_either_file()
    {
        string[] mergeLines = ["a b</w>", "c a", "ca t</w>"];
        WriteHuggingFaceFiles(_directory.FullPath, mergeLines);
        var expected = ClipTokenizer.FromMerges([("a", "b</w>"), ("c", "a"), ("ca", "t</w>")]);

        AssertSameIds(expected, ClipTokenizer.FromFile(_directory.FullPath));
        AssertSameIds(expected, ClipTokenizer.FromFile(_directory.File("vocab.json")));
        AssertSameIds(expected, ClipTokenizer.FromFile(_directory.File("merges.txt")));
    }

    [Fact]
    public void Hugging_face_ids_are_taken_from_vocab_json()
    {
        WriteHuggingFaceFiles(_directory.FullPath, ["a b</w>", "c a", "ca t</w>"], ("ab</w>", "cat</w>"));

        var tokenizer = ClipTokenizer.FromFile(_directory.FullPath);

        Assert.Equal([512], tokenizer.EncodeIds("cat")); // "cat</w>" took the id of "ab</w>", 512
        Assert.Equal([514], tokenizer.EncodeIds("ab"));
        Assert.Equal([515, 516], [tokenizer.Vocabulary.StartOfTextId, tokenizer.Vocabulary.EndOfTextId]);
        Assert.Equal("cat", tokenizer.Decode([512]));
    }

    [Fact]
    public void A_missing_file_is_named_in_the_error()
    {
        var missing = _directory.File("nope.txt.gz");

        var error = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromFile(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_vocab_json_without_merges_txt_is_an_error()
    {
        File.WriteAllText(_directory.File("vocab.json"), "{\"a\": 0}");

        var error = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromFile(_directory.FullPath));

        Assert.Contains("merges.txt", error.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("i n\nt h\n", "line 1 must be a '#version' header")]
    [InlineData("#version: 0.2\ni n\nt h x\n", "line 3 must be a merge")]
    [InlineData("#version: 0.2\ni n\n\nt h\n", "line 3 is blank but merges follow it")]
    [InlineData("#version: 0.2\ni n\nzz q\n", "merge 2 uses token 'zz', which is not in the vocabulary")]
    public void A_malformed_merges_file_is_named_with_what_is_wrong(string content, string expectedMessage)
    {
        var path = _directory.File("bad.txt");
        File.WriteAllText(path, content);

        var error = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFile(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expectedMessage, error.Message);
    }

    [Fact]
    public void A_corrupt_gzip_file_is_named_in_the_error()
    {
        var path = _directory.File("broken.txt.gz");
        File.WriteAllBytes(path, [0x1F, 0x8B, 0x08, 0x00, 0x42, 0x42, 0x42, 0x42, 0x42]);

        var error = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFile(path));

        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"a\": \"x\"}", "expected a JSON object")]
    [InlineData("{\"a\": 0, \"b\": 5}", "ids must be distinct and run from 0 to 1")]
    public void A_malformed_vocab_json_is_named_with_what_is_wrong(string content, string expectedMessage)
    {
        File.WriteAllText(_directory.File("vocab.json"), content);
        File.WriteAllText(_directory.File("merges.txt"), "#version: 0.2\n");

        var error = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromFile(_directory.FullPath));

        Assert.Contains(_directory.File("vocab.json"), error.Message);
        Assert.Contains(expectedMessage, error.Message);
    }

    [Fact]
    public void Trailing_blank_lines_and_a_header_only_file_are_accepted()
    {
        var path = _directory.File("bytes-only.txt");
        File.WriteAllText(path, "#version: 0.2\na b</w>\n\n\n");

        var tokenizer = ClipTokenizer.FromFile(path);

        Assert.Equal(512 + 1 + 2, tokenizer.VocabularySize);
        Assert.Equal([512], tokenizer.EncodeIds("ab"));
    }

    /// <summary>
    /// Hugging Face's layout of a merge list's vocabulary: vocab.json in OpenCLIP's id order with Hugging Face's
    /// special names, merges.txt with a "#version" header. Swapping two ids shows whose ids the tokenizer uses.
    /// </summary>
    private static void WriteHuggingFaceFiles(string folder, IReadOnlyList<string> mergeLines, (string, string)? swapIdsOf = null)
    {
        var byteSymbols = ByteUnicodeTable.BytesInVocabularyOrder.Select(b => ByteUnicodeTable.CharOf(b).ToString()).ToList();
        var tokens = byteSymbols
            .Concat(byteSymbols.Select(s => s + "</w>"))
            .Concat(mergeLines.Select(line => line.Replace(" ", "")))
            .Append("<|startoftext|>")
            .Append("<|endoftext|>")
            .ToList();
        var idOfToken = tokens.Select((token, id) => (token, id)).ToDictionary(pair => pair.token, pair => pair.id);
        if (swapIdsOf is ({ } first, { } second))
        {
            (idOfToken[first], idOfToken[second]) = (idOfToken[second], idOfToken[first]);
        }
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(idOfToken));
        File.WriteAllLines(Path.Combine(folder, "merges.txt"), ["#version: 0.2", .. mergeLines]);
    }

    private static void AssertSameIds(ClipTokenizer expected, ClipTokenizer actual)
    {
        Assert.Equal(expected.VocabularySize, actual.VocabularySize);
        foreach (var caption in Captions)
        {
            Assert.Equal(expected.Encode(caption, 77), actual.Encode(caption, 77));
        }
    }
}

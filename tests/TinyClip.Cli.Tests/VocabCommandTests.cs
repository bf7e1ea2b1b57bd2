using TinyClip.Data;
using TinyClip.Data.Synthetic;
using TinyClip.Data.Text;
using TinyClip.DataTools;

namespace TinyClip.Cli.Tests;

public sealed class VocabCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-vocab-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_cli_learns_a_merges_file_the_tokenizer_loads_from_a_captions_file()
    {
        var captions = Path.Combine(_directory, "captions.txt");
        File.WriteAllLines(captions, ["a photo of a cat", "", "a photo of a cat", "a cat on a mat"]);
        var merges = Path.Combine(_directory, "merges.txt.gz");

        var result = await CliProcess.RunAsync(TestPaths.TinyClipDataDll, ["vocab", "--captions", captions, "--out", merges, "--size", "600"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("from 3 captions", result.Stdout);
        var tokenizer = ClipTokenizer.FromFile(merges);
        Assert.InRange(tokenizer.VocabularySize, BpeVocabularyLearner.MinVocabularySize + 1, 600);
        // Frequent words of the captions end up as single tokens.
        Assert.Single(tokenizer.EncodeIds("photo"));
        Assert.Single(tokenizer.EncodeIds("cat"));
    }

    [Fact]
    public async Task Parquet_captions_are_read_from_the_usable_rows()
    {
        await SyntheticDataset.WriteAsync(new SynthOptions(_directory, TrainCount: 30, ValCount: 0, ImageSize: 16, RowGroupSize: 7));
        var expected = Enumerable.Range(0, 30).Select(i => SyntheticDataset.Row("train", 0, i, new SynthOptions(_directory, 30, 0, ImageSize: 16)).Caption);

        var captions = await VocabCommand.ReadCaptionsAsync(null, [Path.Combine(_directory, "train")]);

        Assert.Equal(expected, captions);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Exactly_one_caption_source_is_required(bool captionsFile, bool data)
    {
        var error = await Assert.ThrowsAsync<DataConfigurationException>(() =>
            VocabCommand.ReadCaptionsAsync(captionsFile ? "captions.txt" : null, data ? ["data"] : []));

        Assert.Contains("--captions", error.Message);
    }
}

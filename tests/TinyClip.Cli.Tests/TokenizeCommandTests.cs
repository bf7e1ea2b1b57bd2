using TinyClip.Data.Text;

namespace TinyClip.Cli.Tests;

public sealed class TokenizeCommandTests
{
    private static readonly int[] PhotoOfACat = [49406, 320, 1125, 539, 320, 2368, 49407];

    private static int[] Padded(int[] ids, int context) => ids.Concat(new int[context - ids.Length]).ToArray();

    private static async Task<string[]> TokenizeAsync(string input, int context, bool json)
    {
        var output = new StringWriter();
        await TokenizeCommand.WriteAsync(ClipTokenizer.FromFile(TestPaths.ClipVocabulary), new StringReader(input), output, context, json);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Each_line_becomes_the_openclip_ids_padded_with_zeros_to_the_context()
    {
        var lines = await TokenizeAsync("a photo of a cat\na photo of a cat\n", 77, json: false);

        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.Equal(Padded(PhotoOfACat, 77), line.Split(' ').Select(int.Parse)));
    }

    [Fact]
    public async Task Json_output_is_one_array_per_line_of_the_requested_context()
    {
        var lines = await TokenizeAsync("a photo of a cat", 10, json: true);

        Assert.Equal("[49406,320,1125,539,320,2368,49407,0,0,0]", Assert.Single(lines));
    }

    // Cleaned as OpenCLIP does: "cafÃ©" is UTF-8 mojibake that ftfy repairs to "café" (15304), and ftfy straightens
    // the curly quotes, so "'s" splits off (568). The derivations are in CaptionCleaningOpenClipIdsTests.
    [Fact]
    public async Task Captions_that_ftfy_repairs_get_the_openclip_ids()
    {
        var lines = await TokenizeAsync("cafÃ© au lait\n“here’s a test”\n", 9, json: true);

        Assert.Equal(["[49406,15304,2566,572,585,49407,0,0,0]", "[49406,257,763,568,320,1628,257,49407,0]"], lines);
    }

    [Fact]
    public async Task The_cli_reads_standard_input()
    {
        var result = await CliProcess.RunAsync(TestPaths.TinyClipDll, ["tokenize", "--tokenizer", TestPaths.ClipVocabulary], "a photo of a cat\n");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(string.Join(' ', Padded(PhotoOfACat, 77)), result.Stdout.Trim());
    }
}

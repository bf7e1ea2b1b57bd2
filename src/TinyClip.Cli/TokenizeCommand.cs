using System.CommandLine;
using System.Text.Json;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;
using TinyClip.Data.Text;

namespace TinyClip.Cli;

/// <summary><c>tokenize</c>: the token ids of each line of standard input, as the text tower receives them.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "CLIP BPE merges file (.txt or .txt.gz) or Hugging Face vocab.json/merges.txt", Required = true };
        var context = new Option<int>("--context") { Description = "Ids per line: start, tokens, end, zero padding", DefaultValueFactory = _ => ClipTokenizer.DefaultContextLength };
        var json = new Option<bool>("--json") { Description = "One JSON array per line instead of space-separated ids" };
        var command = new Command("tokenize", "Token ids of each line read from standard input") { tokenizer, context, json };
        command.SetAction((result, cancellationToken) => CliErrors.Report(async () =>
        {
            var contextLength = result.GetValue(context);
            if (contextLength < 2) throw new InvalidSettingException("--context", "needs room for the start and end tokens (at least 2)");
            var bpe = ClipTokenizer.FromFile(result.GetValue(tokenizer)!);
            await WriteAsync(bpe, Console.In, Console.Out, contextLength, result.GetValue(json), cancellationToken);
            return 0;
        }));
        return command;
    }

    /// <summary>One output line per input line, in order.</summary>
    public static async Task WriteAsync(ClipTokenizer tokenizer, TextReader input, TextWriter output, int contextLength, bool json, CancellationToken cancellationToken = default)
    {
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            var ids = tokenizer.Encode(line, contextLength);
            await output.WriteLineAsync(json ? JsonSerializer.Serialize(ids) : string.Join(' ', ids));
        }
    }
}

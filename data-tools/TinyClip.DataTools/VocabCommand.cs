using System.CommandLine;
using TinyClip.Configuration;
using TinyClip.Data;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;
using TinyClip.Data.Reading;
using TinyClip.Data.Settings;
using TinyClip.Data.Text;

namespace TinyClip.DataTools;

/// <summary><c>vocab</c>: learns a CLIP BPE merges file from captions, for training a model with a small vocabulary.</summary>
public static class VocabCommand
{
    /// <summary>The runtime's default <c>tinyclip.tokenizer.vocabulary-size</c>.</summary>
    public const int DefaultVocabularySize = 2048;

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Merges file to write (gzip-compressed when it ends with .gz)", Required = true };
        var captions = new Option<string?>("--captions") { Description = "Text file with one caption per line" };
        var data = new Option<string[]>("--data") { Description = "Parquet files, directories or globs whose captions to learn from (repeatable)", AllowMultipleArgumentsPerToken = true };
        var size = new Option<int>("--size") { Description = $"Vocabulary size, {BpeVocabularyLearner.MinVocabularySize}..{BpeVocabularyLearner.MaxVocabularySize}", DefaultValueFactory = _ => DefaultVocabularySize };
        var command = new Command("vocab", "Learn a byte-level BPE merges file (the tokenizer's vocabulary) from captions") { output, captions, data, size };
        command.SetAction((result, cancellationToken) => UserErrors.Report(async () =>
        {
            var texts = await ReadCaptionsAsync(result.GetValue(captions), result.GetValue(data) ?? [], cancellationToken);
            var learned = Learn(texts, result.GetValue(size), result.GetValue(output)!);
            Console.WriteLine($"learned {learned} merges (vocabulary {learned + BpeVocabularyLearner.MinVocabularySize}) from {texts.Count} captions into {result.GetValue(output)}");
            return 0;
        }));
        return command;
    }

    /// <summary>Captions from exactly one source: a text file (blank lines skipped) or the usable rows of Parquet data.</summary>
    public static async Task<IReadOnlyList<string>> ReadCaptionsAsync(string? captionsFile, IReadOnlyList<string> data, CancellationToken cancellationToken = default)
    {
        if ((captionsFile is null) == (data.Count == 0))
            throw new DataConfigurationException("give either --captions FILE or --data PATH..., not both or neither");
        if (captionsFile is not null)
        {
            if (!File.Exists(captionsFile)) throw new DataConfigurationException($"the captions file '{captionsFile}' does not exist");
            return (await File.ReadAllLinesAsync(captionsFile, cancellationToken)).Where(line => !string.IsNullOrWhiteSpace(line)).ToList();
        }
        var quarantine = new QuarantineLog();
        var settings = DataSettingsConfig.Reference;
        var manifest = await DatasetManifest.BuildAsync(data, new ColumnNames(), quarantine, FooterReads.FromFiles(settings.Manifest), cancellationToken);
        return await CaptionReader.ReadAllAsync(manifest, quarantine, ReadRetryPolicy.From(settings.Stream), cancellationToken: cancellationToken);
    }

    /// <summary>Learns and writes the merges; returns how many were learned (fewer than asked when the captions run out of pairs).</summary>
    public static int Learn(IReadOnlyList<string> captions, int vocabularySize, string output)
    {
        if (vocabularySize is < BpeVocabularyLearner.MinVocabularySize or > BpeVocabularyLearner.MaxVocabularySize)
            throw new DataConfigurationException($"--size must be in {BpeVocabularyLearner.MinVocabularySize}..{BpeVocabularyLearner.MaxVocabularySize}, got {vocabularySize}");
        if (captions.Count == 0) throw new DataConfigurationException("there are no captions to learn from");
        var merges = BpeVocabularyLearner.Learn(captions, vocabularySize);
        BpeVocabularyLearner.WriteMergesFile(output, merges);
        return merges.Count;
    }
}

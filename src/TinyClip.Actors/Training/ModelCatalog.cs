using TinyClip.Model;

namespace TinyClip.Actors.Training;

/// <summary>Resolves a model setting: a preset name or the path of an OpenCLIP model-config JSON file.</summary>
public static class ModelCatalog
{
    /// <param name="vocabularySize">The tokenizer's vocabulary; a student trained from scratch gets exactly that many token rows.</param>
    public static ClipConfig Resolve(string model, int? vocabularySize)
    {
        if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(model))
        {
            if (!File.Exists(model)) throw new FileNotFoundException($"model config '{model}' does not exist", model);
            var config = ClipConfig.FromOpenClipJson(File.ReadAllText(model));
            return vocabularySize is { } v ? config.WithVocabSize(v) : config;
        }
        return ClipPresets.Get(model, vocabularySize);
    }
}

using TinyClip.Data.Text;
using TinyClip.Model;

namespace TinyClip.Cli;

/// <summary>
/// A tokenizer whose ids run past the model's token embedding would fail deep inside libtorch; this says which
/// files disagree instead.
/// </summary>
public static class TokenizerFit
{
    public static void Check(ClipTokenizer tokenizer, string tokenizerPath, ClipModel model)
    {
        var modelVocabulary = model.Config.Text.VocabSize;
        if (tokenizer.VocabularySize > modelVocabulary)
            throw new InvalidDataException(
                $"the tokenizer '{tokenizerPath}' has {tokenizer.VocabularySize} tokens but the model's text tower embeds only {modelVocabulary}; use the tokenizer the model was trained with");
    }
}

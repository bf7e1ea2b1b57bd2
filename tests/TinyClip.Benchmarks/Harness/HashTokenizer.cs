using TinyClip.Data.Text;

namespace TinyClip.Benchmarks.Harness;

/// <summary>
/// A stand-in tokenizer for the data benchmarks (one id per word, by hash): tokenising is not what they measure,
/// and learning a BPE vocabulary first would only add set-up time.
/// </summary>
public sealed class HashTokenizer(int vocabularySize) : ICaptionTokenizer
{
    public int VocabularySize => vocabularySize;

    public int[] Encode(string caption, int contextLength)
    {
        var ids = new int[contextLength];
        var words = caption.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int count = Math.Min(words.Length, contextLength - 2);
        ids[0] = vocabularySize - 2;
        for (int i = 0; i < count; i++) ids[i + 1] = 1 + (int)((uint)words[i].GetHashCode() % (uint)(vocabularySize - 3));
        ids[count + 1] = vocabularySize - 1; // end of text: the highest id, where CLIP pools
        return ids;
    }
}

using TinyClip.Data.Text;

namespace TinyClip.Data.Tests.Support;

/// <summary>Test stand-in for the CLIP tokenizer: start id, one hashed id per word, end id, zero padding.</summary>
public sealed class WordHashTokenizer : ICaptionTokenizer
{
    private const int Start = 1, End = 2;

    public int VocabularySize => 1000;

    public int[] Encode(string caption, int contextLength)
    {
        var ids = new int[contextLength];
        var words = caption.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ids[0] = Start;
        var count = Math.Min(words.Length, contextLength - 2);
        for (var i = 0; i < count; i++) ids[i + 1] = 3 + (int)((uint)StableHash(words[i]) % (VocabularySize - 3));
        ids[count + 1] = End;
        return ids;
    }

    private static int StableHash(string word) => word.Aggregate(17, (h, c) => h * 31 + c);
}

namespace TinyClip.Data.Text;

/// <summary>
/// Learns a byte-level BPE merge list from captions, in the format <see cref="ClipTokenizer.FromFile"/> reads.
/// Captions are cleaned and split into words exactly as the tokenizer does; each word starts as its UTF-8 byte
/// symbols with "&lt;/w&gt;" on the last, and the most frequent adjacent pair (weighted by word frequency) is merged
/// until the vocabulary has the requested size or no pair is left.
/// </summary>
public static class BpeVocabularyLearner
{
    /// <summary>The 256 byte symbols and their 256 word-final forms, always in the vocabulary.</summary>
    public const int ByteSymbolCount = 512;

    /// <summary>Start-of-text and end-of-text.</summary>
    public const int SpecialTokenCount = 2;

    /// <summary>Smallest vocabulary: bytes and specials, no merges.</summary>
    public const int MinVocabularySize = ByteSymbolCount + SpecialTokenCount;

    /// <summary>Largest vocabulary a CLIP merges file can hold (49408, the size of OpenCLIP's).</summary>
    public const int MaxVocabularySize = ByteSymbolCount + MergesFile.MaxMergeCount + SpecialTokenCount;

    /// <summary>
    /// Up to <paramref name="vocabularySize"/> - 514 merges in rank order; fewer when every word of the corpus has
    /// become a single symbol. The result depends only on the multiset of words: ties between equally frequent
    /// pairs go to the ordinally smallest (left, right) symbol strings.
    /// </summary>
    public static IReadOnlyList<(string Left, string Right)> Learn(IEnumerable<string> captions, int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, MinVocabularySize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vocabularySize, MaxVocabularySize);
        var corpus = new BpeTrainingCorpus(CountWords(captions));
        var merges = new List<(string Left, string Right)>();
        while (merges.Count < vocabularySize - MinVocabularySize && corpus.TryMergeMostFrequentPair(out var merge))
        {
            merges.Add(merge);
        }
        return merges;
    }

    /// <summary>Writes <paramref name="merges"/> as a merges file; gzip-compressed when the path ends with ".gz".</summary>
    public static void WriteMergesFile(string path, IReadOnlyList<(string Left, string Right)> merges) =>
        MergesFile.Write(path, merges);

    private static Dictionary<string, int> CountWords(IEnumerable<string> captions)
    {
        var countOfWord = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var caption in captions)
        {
            foreach (var word in PreTokenizer.Split(CaptionCleaner.Clean(caption)))
            {
                // Literal special-token names become the special ids when encoding, so they are not text to learn.
                if (word is not (ClipVocabulary.StartOfTextToken or ClipVocabulary.EndOfTextToken))
                {
                    countOfWord[word] = countOfWord.GetValueOrDefault(word) + 1;
                }
            }
        }
        return countOfWord;
    }
}

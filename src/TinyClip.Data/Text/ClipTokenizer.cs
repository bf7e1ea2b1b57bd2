using System.Collections.Concurrent;
using System.Text;

namespace TinyClip.Data.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer with OpenCLIP SimpleTokenizer behaviour: clean the caption
/// (<see cref="CaptionCleaner"/>), split it into words (<see cref="PreTokenizer"/>), turn each word into UTF-8 byte
/// symbols whose last one carries "&lt;/w&gt;", and apply the lowest-ranked merge among adjacent pairs until none
/// applies. Safe to use from several threads.
/// </summary>
public sealed class ClipTokenizer : ICaptionTokenizer
{
    /// <summary>Context length of CLIP text towers.</summary>
    public const int DefaultContextLength = 77;

    private const string HuggingFaceMergesFileName = "merges.txt";

    // Word ids are cached because captions repeat words constantly; the bound keeps a long training run from growing
    // the cache without limit (OpenCLIP's is unbounded). Clearing when full is simple, and frequent words return at once.
    private const int WordCacheCapacity = 200_000;

    private readonly ConcurrentDictionary<string, int[]> _idsOfWord = new(StringComparer.Ordinal);

    /// <summary>A tokenizer over <paramref name="vocabulary"/>.</summary>
    public ClipTokenizer(ClipVocabulary vocabulary)
    {
        Vocabulary = vocabulary;
    }

    /// <summary>Token strings, ids and merges.</summary>
    public ClipVocabulary Vocabulary { get; }

    /// <inheritdoc />
    public int VocabularySize => Vocabulary.Count;

    /// <summary>
    /// Loads a tokenizer from OpenCLIP's merges file (.txt.gz or plain .txt), from a learned merges file (same format),
    /// or from Hugging Face's form: a directory holding vocab.json and merges.txt, or the path of either file.
    /// A merges.txt is read in Hugging Face form only when a vocab.json lies beside it.
    /// </summary>
    public static ClipTokenizer FromFile(string path)
    {
        if (Directory.Exists(path))
        {
            return FromHuggingFaceFiles(
                Path.Combine(path, HuggingFaceVocabularyFile.FileName),
                Path.Combine(path, HuggingFaceMergesFileName));
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The tokenizer file '{path}' does not exist.", path);
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var siblingVocabulary = Path.Combine(directory, HuggingFaceVocabularyFile.FileName);
        var siblingMerges = Path.Combine(directory, HuggingFaceMergesFileName);
        return Path.GetFileName(path) switch
        {
            HuggingFaceVocabularyFile.FileName => FromHuggingFaceFiles(path, siblingMerges),
            HuggingFaceMergesFileName when File.Exists(siblingVocabulary) => FromHuggingFaceFiles(siblingVocabulary, path),
            _ => new ClipTokenizer(ClipVocabulary.FromMerges(MergesFile.Read(path), path)),
        };
    }

    /// <summary>A tokenizer whose vocabulary is built from <paramref name="merges"/> in OpenCLIP's order.</summary>
    public static ClipTokenizer FromMerges(IReadOnlyList<(string Left, string Right)> merges) =>
        new(ClipVocabulary.FromMerges(merges));

    /// <summary>A tokenizer with Hugging Face's ids (vocab.json) and merge ranks (merges.txt).</summary>
    public static ClipTokenizer FromHuggingFaceFiles(string vocabularyPath, string mergesPath)
    {
        var idOfToken = HuggingFaceVocabularyFile.Read(vocabularyPath);
        var merges = MergesFile.Read(mergesPath);
        return new ClipTokenizer(ClipVocabulary.FromTokenIds(idOfToken, merges, $"{vocabularyPath} with {mergesPath}"));
    }

    /// <inheritdoc />
    public int[] Encode(string caption, int contextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var ids = EncodeIds(caption);
        var row = new int[contextLength];
        row[0] = Vocabulary.StartOfTextId;
        var copied = Math.Min(ids.Count, contextLength - 2);
        for (var i = 0; i < copied; i++)
        {
            row[i + 1] = ids[i];
        }
        // When the caption is too long its tail is dropped, but the row still ends with end-of-text (OpenCLIP:
        // tokens[:context_length]; tokens[-1] = eot) because the text tower reads the features at that position.
        row[copied + 1] = Vocabulary.EndOfTextId;
        return row;
    }

    /// <summary>The token ids of <paramref name="caption"/> without start, end or padding.</summary>
    public IReadOnlyList<int> EncodeIds(string caption)
    {
        var ids = new List<int>();
        foreach (var word in PreTokenizer.Split(CaptionCleaner.Clean(caption)))
        {
            switch (word)
            {
                case ClipVocabulary.StartOfTextToken:
                    ids.Add(Vocabulary.StartOfTextId);
                    break;
                case ClipVocabulary.EndOfTextToken:
                    ids.Add(Vocabulary.EndOfTextId);
                    break;
                default:
                    ids.AddRange(IdsOfWord(word));
                    break;
            }
        }
        return ids;
    }

    /// <summary>
    /// The text of <paramref name="ids"/> as OpenCLIP decodes it: token strings joined, bytes decoded as UTF-8
    /// (invalid sequences become U+FFFD), each "&lt;/w&gt;" a space; the space after the last word is removed.
    /// Words are separated by one space, so "a cat." decodes to "a cat .".
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        var symbols = new StringBuilder();
        foreach (var id in ids)
        {
            symbols.Append(Vocabulary.TokenOf(id));
        }
        return ByteUnicodeTable.DecodeUtf8(symbols.ToString())
            .Replace(ClipVocabulary.EndOfWordSuffix, " ", StringComparison.Ordinal)
            .TrimEnd(' ');
    }

    private int[] IdsOfWord(string word)
    {
        if (_idsOfWord.TryGetValue(word, out var cached))
        {
            return cached;
        }
        var ids = ApplyMerges(Encoding.UTF8.GetBytes(word));
        if (_idsOfWord.Count >= WordCacheCapacity)
        {
            _idsOfWord.Clear();
        }
        _idsOfWord[word] = ids;
        return ids;
    }

    /// <summary>
    /// OpenCLIP's bpe(): repeatedly take the adjacent pair with the lowest merge rank and merge every
    /// non-overlapping occurrence of it, left to right, until no adjacent pair has a merge rule.
    /// </summary>
    private int[] ApplyMerges(byte[] wordBytes)
    {
        var symbols = new List<int>(wordBytes.Length);
        for (var i = 0; i < wordBytes.Length; i++)
        {
            symbols.Add(Vocabulary.IdOfByte(wordBytes[i], wordFinal: i == wordBytes.Length - 1));
        }

        while (symbols.Count > 1 && TryFindBestPair(symbols, out var left, out var right, out var rule))
        {
            var written = 0;
            for (var read = 0; read < symbols.Count; written++)
            {
                if (read + 1 < symbols.Count && symbols[read] == left && symbols[read + 1] == right)
                {
                    symbols[written] = rule.MergedId;
                    read += 2;
                }
                else
                {
                    symbols[written] = symbols[read];
                    read += 1;
                }
            }
            symbols.RemoveRange(written, symbols.Count - written);
        }
        return symbols.ToArray();
    }

    private bool TryFindBestPair(List<int> symbols, out int left, out int right, out BpeMergeRule best)
    {
        left = right = -1;
        best = new BpeMergeRule(int.MaxValue, -1);
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (Vocabulary.TryGetMergeRule(symbols[i], symbols[i + 1], out var rule) && rule.Rank < best.Rank)
            {
                (left, right, best) = (symbols[i], symbols[i + 1], rule);
            }
        }
        return left >= 0;
    }
}

using System.Text;

namespace TinyClip.Data.Text;

/// <summary>
/// The distinct words of a corpus as symbol sequences with their frequencies, and the frequency of every adjacent
/// symbol pair. A merge rewrites only the words containing the merged pair and adjusts the pair counts by the
/// difference, so each step costs the size of those words rather than of the corpus; a priority queue with stale
/// entries skipped on removal finds the most frequent pair.
/// </summary>
internal sealed class BpeTrainingCorpus
{
    // Symbol ids are local to learning: byte b is b, its word-final form 256 + b, merged symbols follow.
    private readonly List<string> _textOfSymbol = [];
    private readonly List<int[]> _symbolsOfWord = [];
    private readonly List<int> _frequencyOfWord = [];
    private readonly Dictionary<long, long> _countOfPair = [];
    private readonly Dictionary<long, HashSet<int>> _wordsWithPair = [];
    private readonly PriorityQueue<long, PairPriority> _mostFrequentFirst;

    public BpeTrainingCorpus(IReadOnlyDictionary<string, int> countOfWord)
    {
        _mostFrequentFirst = new PriorityQueue<long, PairPriority>(new PairPriorityComparer(_textOfSymbol));
        for (var b = 0; b < 256; b++)
        {
            _textOfSymbol.Add(ByteUnicodeTable.CharOf((byte)b).ToString());
        }
        for (var b = 0; b < 256; b++)
        {
            _textOfSymbol.Add(ByteUnicodeTable.CharOf((byte)b) + ClipVocabulary.EndOfWordSuffix);
        }

        foreach (var (word, frequency) in countOfWord)
        {
            var bytes = Encoding.UTF8.GetBytes(word);
            var symbols = bytes.Select((value, i) => i == bytes.Length - 1 ? 256 + value : value).ToArray();
            var wordIndex = _symbolsOfWord.Count;
            _symbolsOfWord.Add(symbols);
            _frequencyOfWord.Add(frequency);
            foreach (var pair in PairsOf(symbols))
            {
                _countOfPair[pair] = _countOfPair.GetValueOrDefault(pair) + frequency;
                WordsWith(pair).Add(wordIndex);
            }
        }
        foreach (var (pair, count) in _countOfPair)
        {
            Enqueue(pair, count);
        }
    }

    /// <summary>Merges the most frequent pair everywhere; false when no word has two symbols left.</summary>
    public bool TryMergeMostFrequentPair(out (string Left, string Right) merge)
    {
        if (!TryTakeMostFrequentPair(out var pair))
        {
            merge = default;
            return false;
        }
        var (left, right) = Split(pair);
        var merged = _textOfSymbol.Count;
        _textOfSymbol.Add(_textOfSymbol[left] + _textOfSymbol[right]);

        var countChanges = new Dictionary<long, long>();
        foreach (var wordIndex in _wordsWithPair[pair])
        {
            RewriteWord(wordIndex, left, right, merged, countChanges);
        }
        _wordsWithPair.Remove(pair);
        ApplyCountChanges(countChanges);

        merge = (_textOfSymbol[left], _textOfSymbol[right]);
        return true;
    }

    /// <summary>
    /// Merges (left, right) in one word and records how the pair counts change. Only pairs with a symbol of the merge
    /// can change; counting just those keeps each step cheap.
    /// </summary>
    private void RewriteWord(int wordIndex, int left, int right, int merged, Dictionary<long, long> countChanges)
    {
        var before = _symbolsOfWord[wordIndex];
        var after = MergeIn(before, left, right, merged);
        if (after.Length == before.Length)
        {
            return; // an earlier merge took the pair from this word; its entry in _wordsWithPair is stale
        }
        var frequency = _frequencyOfWord[wordIndex];
        bool Touched(int a, int b) => a == left || a == right || b == left || b == right;
        for (var i = 0; i + 1 < before.Length; i++)
        {
            if (Touched(before[i], before[i + 1]))
            {
                AddChange(countChanges, Pair(before[i], before[i + 1]), -frequency);
            }
        }
        for (var i = 0; i + 1 < after.Length; i++)
        {
            var isNew = after[i] == merged || after[i + 1] == merged;
            if (isNew)
            {
                WordsWith(Pair(after[i], after[i + 1])).Add(wordIndex);
            }
            if (isNew || Touched(after[i], after[i + 1]))
            {
                AddChange(countChanges, Pair(after[i], after[i + 1]), frequency);
            }
        }
        _symbolsOfWord[wordIndex] = after;
    }

    private bool TryTakeMostFrequentPair(out long pair)
    {
        while (_mostFrequentFirst.TryDequeue(out pair, out var priority))
        {
            // Every count change enqueues the pair again, so an entry whose count is no longer current is stale.
            if (_countOfPair.TryGetValue(pair, out var count) && count == priority.Count)
            {
                return true;
            }
        }
        return false;
    }

    private void ApplyCountChanges(Dictionary<long, long> countChanges)
    {
        foreach (var (pair, change) in countChanges)
        {
            if (change == 0)
            {
                continue;
            }
            var count = _countOfPair.GetValueOrDefault(pair) + change;
            if (count > 0)
            {
                _countOfPair[pair] = count;
                Enqueue(pair, count);
            }
            else
            {
                _countOfPair.Remove(pair);
            }
        }
    }

    private static void AddChange(Dictionary<long, long> countChanges, long pair, long change) =>
        countChanges[pair] = countChanges.GetValueOrDefault(pair) + change;

    private void Enqueue(long pair, long count)
    {
        var (left, right) = Split(pair);
        _mostFrequentFirst.Enqueue(pair, new PairPriority(count, left, right));
    }

    private HashSet<int> WordsWith(long pair)
    {
        if (!_wordsWithPair.TryGetValue(pair, out var words))
        {
            words = [];
            _wordsWithPair[pair] = words;
        }
        return words;
    }

    /// <summary>Replaces each non-overlapping occurrence of (left, right), scanning left to right, like the tokenizer.</summary>
    private static int[] MergeIn(int[] symbols, int left, int right, int merged)
    {
        var result = new List<int>(symbols.Length);
        for (var i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(symbols[i]);
            }
        }
        return result.ToArray();
    }

    private static IEnumerable<long> PairsOf(int[] symbols)
    {
        for (var i = 0; i + 1 < symbols.Length; i++)
        {
            yield return Pair(symbols[i], symbols[i + 1]);
        }
    }

    private static long Pair(int left, int right) => ((long)left << 32) | (uint)right;

    private static (int Left, int Right) Split(long pair) => ((int)(pair >> 32), (int)pair);

    private readonly record struct PairPriority(long Count, int Left, int Right);

    /// <summary>Higher count first; equal counts by the ordinal order of the left, then the right symbol string.</summary>
    private sealed class PairPriorityComparer(List<string> textOfSymbol) : IComparer<PairPriority>
    {
        public int Compare(PairPriority x, PairPriority y)
        {
            var byCount = y.Count.CompareTo(x.Count);
            if (byCount != 0)
            {
                return byCount;
            }
            var byLeft = string.CompareOrdinal(textOfSymbol[x.Left], textOfSymbol[y.Left]);
            return byLeft != 0 ? byLeft : string.CompareOrdinal(textOfSymbol[x.Right], textOfSymbol[y.Right]);
        }
    }
}

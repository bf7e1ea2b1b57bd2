namespace TinyClip.Data.Text;

/// <summary>
/// The token strings of a byte-level BPE vocabulary with their ids, the merge rules in rank order and the two special
/// tokens. Token strings use <see cref="ByteUnicodeTable"/> characters; a word-final symbol ends with "&lt;/w&gt;".
/// </summary>
public sealed class ClipVocabulary
{
    /// <summary>OpenCLIP's start token, also recognised literally inside captions.</summary>
    public const string StartOfTextToken = "<start_of_text>";

    /// <summary>OpenCLIP's end token, also recognised literally inside captions.</summary>
    public const string EndOfTextToken = "<end_of_text>";

    /// <summary>Hugging Face's names for the same two tokens in a CLIP vocab.json.</summary>
    public const string HuggingFaceStartOfTextToken = "<|startoftext|>";

    /// <summary>See <see cref="HuggingFaceStartOfTextToken"/>.</summary>
    public const string HuggingFaceEndOfTextToken = "<|endoftext|>";

    /// <summary>Suffix of a symbol that ends a word.</summary>
    public const string EndOfWordSuffix = "</w>";

    private readonly IReadOnlyList<string> _tokenOfId;
    private readonly int[] _idOfByte;
    private readonly int[] _idOfWordFinalByte;
    private readonly Dictionary<long, BpeMergeRule> _mergeRuleOfPair;

    private ClipVocabulary(
        IReadOnlyList<string> tokenOfId,
        IReadOnlyDictionary<string, int> idOfToken,
        IReadOnlyList<(string Left, string Right)> merges,
        string startOfTextToken,
        string endOfTextToken,
        string source)
    {
        _tokenOfId = tokenOfId;
        StartOfTextId = RequireId(idOfToken, startOfTextToken, source);
        EndOfTextId = RequireId(idOfToken, endOfTextToken, source);
        _idOfByte = new int[256];
        _idOfWordFinalByte = new int[256];
        for (var b = 0; b < 256; b++)
        {
            var symbol = ByteUnicodeTable.CharOf((byte)b).ToString();
            _idOfByte[b] = RequireId(idOfToken, symbol, source);
            _idOfWordFinalByte[b] = RequireId(idOfToken, symbol + EndOfWordSuffix, source);
        }
        _mergeRuleOfPair = BuildMergeRules(idOfToken, merges, source);
    }

    /// <summary>Number of ids; the text tower's embedding must have this many rows.</summary>
    public int Count => _tokenOfId.Count;

    /// <summary>Id of the start-of-text token.</summary>
    public int StartOfTextId { get; }

    /// <summary>Id of the end-of-text token.</summary>
    public int EndOfTextId { get; }

    /// <summary>
    /// OpenCLIP's vocabulary for a merge list: the 256 byte symbols, the same 256 word-final, one token per merge,
    /// then the start and end tokens. When two merges produce the same string, the later id wins, as in OpenCLIP's
    /// dict(zip(vocab, range(len(vocab)))). <paramref name="source"/> names the merges in error messages.
    /// </summary>
    public static ClipVocabulary FromMerges(IReadOnlyList<(string Left, string Right)> merges, string source = "merge list")
    {
        var byteSymbols = ByteUnicodeTable.BytesInVocabularyOrder.Select(b => ByteUnicodeTable.CharOf(b).ToString()).ToList();
        var tokens = byteSymbols
            .Concat(byteSymbols.Select(symbol => symbol + EndOfWordSuffix))
            .Concat(merges.Select(merge => merge.Left + merge.Right))
            .Append(StartOfTextToken)
            .Append(EndOfTextToken)
            .ToList();
        var idOfToken = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            idOfToken[tokens[id]] = id;
        }
        return new ClipVocabulary(tokens, idOfToken, merges, StartOfTextToken, EndOfTextToken, source);
    }

    /// <summary>
    /// A vocabulary whose ids are given (Hugging Face vocab.json). The ids must be exactly 0..n-1; the special tokens
    /// may use OpenCLIP's or Hugging Face's names. <paramref name="source"/> names the files in error messages.
    /// </summary>
    public static ClipVocabulary FromTokenIds(
        IReadOnlyDictionary<string, int> idOfToken,
        IReadOnlyList<(string Left, string Right)> merges,
        string source)
    {
        var tokenOfId = new string?[idOfToken.Count];
        foreach (var (token, id) in idOfToken)
        {
            if (id < 0 || id >= tokenOfId.Length || tokenOfId[id] is not null)
            {
                throw new InvalidDataException(
                    $"{source}: token '{token}' has id {id}; ids must be distinct and run from 0 to {tokenOfId.Length - 1}.");
            }
            tokenOfId[id] = token;
        }
        var hasOpenClipNames = idOfToken.ContainsKey(StartOfTextToken);
        return new ClipVocabulary(
            tokenOfId!,
            idOfToken,
            merges,
            hasOpenClipNames ? StartOfTextToken : HuggingFaceStartOfTextToken,
            hasOpenClipNames ? EndOfTextToken : HuggingFaceEndOfTextToken,
            source);
    }

    /// <summary>The token string of <paramref name="id"/>.</summary>
    public string TokenOf(int id) =>
        id >= 0 && id < _tokenOfId.Count
            ? _tokenOfId[id]
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids run from 0 to {_tokenOfId.Count - 1}.");

    /// <summary>Id of the one-byte symbol for <paramref name="value"/>, word-final or not.</summary>
    internal int IdOfByte(byte value, bool wordFinal) => wordFinal ? _idOfWordFinalByte[value] : _idOfByte[value];

    /// <summary>The merge of two adjacent symbols, when the vocabulary has one.</summary>
    internal bool TryGetMergeRule(int leftId, int rightId, out BpeMergeRule rule) =>
        _mergeRuleOfPair.TryGetValue(PairKey(leftId, rightId), out rule);

    private static long PairKey(int leftId, int rightId) => ((long)leftId << 32) | (uint)rightId;

    private static Dictionary<long, BpeMergeRule> BuildMergeRules(
        IReadOnlyDictionary<string, int> idOfToken,
        IReadOnlyList<(string Left, string Right)> merges,
        string source)
    {
        var rules = new Dictionary<long, BpeMergeRule>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            var leftId = RequireId(idOfToken, left, source, rank);
            var rightId = RequireId(idOfToken, right, source, rank);
            var mergedId = RequireId(idOfToken, left + right, source, rank);
            // A repeated pair keeps its last rank, like OpenCLIP's dict(zip(merges, range(len(merges)))).
            rules[PairKey(leftId, rightId)] = new BpeMergeRule(rank, mergedId);
        }
        return rules;
    }

    private static int RequireId(IReadOnlyDictionary<string, int> idOfToken, string token, string source, int? mergeRank = null)
    {
        if (idOfToken.TryGetValue(token, out var id))
        {
            return id;
        }
        var where = mergeRank is { } rank ? $"merge {rank + 1} uses " : "";
        throw new InvalidDataException($"{source}: {where}token '{token}', which is not in the vocabulary.");
    }
}

namespace TinyClip.Data.Text;

/// <summary>Turns a caption into a fixed-length row of token ids (start, BPE ids, end, zero padding).</summary>
public interface ICaptionTokenizer
{
    /// <summary>Number of distinct ids (the text tower's embedding rows must match it).</summary>
    int VocabularySize { get; }

    /// <summary>Encodes one caption into exactly <paramref name="contextLength"/> ids; truncation keeps end-of-text last.</summary>
    int[] Encode(string caption, int contextLength);
}

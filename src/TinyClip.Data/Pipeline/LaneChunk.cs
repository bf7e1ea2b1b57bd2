namespace TinyClip.Data.Pipeline;

/// <summary>One lane's usable samples for its slots of one global batch, in slot order.</summary>
public sealed record LaneChunk(LaneStep Step, ImageRows Images, int[] Tokens, int[]? Labels, string[] Keys, long[] SampleIds)
{
    public int Count => Keys.Length;
}

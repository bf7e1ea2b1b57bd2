using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Data.Reading;
using TinyClip.Data.Quarantine;

namespace TinyClip.Data.Tests;

/// <summary>
/// TinyCLIP's global batches (16,384 at 224 px) are assembled: pixels travel as bytes in blocks, so no array limit
/// applies, and a node holds only its rows. Decoding is left out (every sample carries the same decoded pixels): what
/// is under test is the assembly and its memory.
/// </summary>
public class LargeBatchTests
{
    private const int BatchSize = 16_384;
    private const int ImageSize = 224;
    private const int Lanes = 12;
    private const int ContextLength = 77;
    private const long RowBytes = 3 * ImageSize * ImageSize;

    /// <summary>Each of <paramref name="lanes"/>' chunk of global batch 0, from samples whose pixels are one shared array.</summary>
    private static List<LaneChunk> Chunks(LaneLayout layout, IEnumerable<int> lanes)
    {
        var pixels = new byte[RowBytes];
        new Random(3).NextBytes(pixels);
        var tokens = new int[ContextLength];
        var chunks = new List<LaneChunk>();
        foreach (var lane in lanes)
        {
            var slots = layout.Slots(lane);
            var chunker = new LaneChunker(lane, LanePosition.Start, slots.Count, ImageSize, ContextLength, withLabels: false, new PipelineCounters(),
                position => position with { Position = position.Position + 1 });
            for (var slot = slots.Start; slot < slots.End; slot++)
            {
                var raw = new RawSample(slot, "f.parquet", slot, $"k{slot}", [], "caption", null, null, QuarantineKind.Sample);
                chunks.AddRange(chunker.Add(new ProcessedSample(new SampleCandidate(0, slot - slots.Start, raw), pixels, tokens, null)));
            }
        }
        return chunks;
    }

    [Fact]
    public void A_global_batch_of_16384_at_224_px_is_assembled_and_a_node_holds_only_its_rows()
    {
        var layout = LaneLayout.For(Lanes, rowGroups: 1000, BatchSize);
        // One node of four: rows [4096, 8192), lanes 3..5 (slots of 1,365 or 1,366).
        var rows = RowRange.OfRanks(1, 1, 4, BatchSize);
        var assembler = new NodeBatchAssembler(layout, rows, 0, ImageSize, ContextLength, withLabels: false, new PipelineCounters());
        Assert.Equal([3, 4, 5], assembler.Lanes);
        var chunks = Chunks(layout, assembler.Lanes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var batch = assembler.Build(chunks);
        var assembling = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4096, batch.Count);
        Assert.Equal(4096 * RowBytes, batch.Images.TotalBytes);
        Assert.Equal(Enumerable.Range(4096, 4096).Select(i => (long)i), batch.SampleIds);
        // The node's rows share its lanes' chunks: assembling copies tokens and ids, never the 617 MB of pixels.
        Assert.True(assembling < batch.Images.TotalBytes / 100, $"assembling allocated {assembling:N0} bytes");
        // What the node holds of the batch: its lanes' chunks, exactly its rows (lanes 3..5 end where its rows end).
        Assert.Equal(batch.Images.TotalBytes, chunks.Sum(c => c.Images.TotalBytes));
    }

    [Fact]
    public void The_whole_batch_on_one_node_is_larger_than_any_array_and_still_assembles()
    {
        var layout = LaneLayout.For(Lanes, rowGroups: 1000, BatchSize);
        var assembler = new NodeBatchAssembler(layout, RowRange.All(BatchSize), 0, ImageSize, ContextLength, withLabels: false, new PipelineCounters());

        var batch = assembler.Build(Chunks(layout, assembler.Lanes));

        // 2.47 GB of pixels: more than an array may hold, and more than the old int-sized float buffer (14,267 samples).
        Assert.Equal(BatchSize * RowBytes, batch.Images.TotalBytes);
        Assert.True(batch.Images.TotalBytes > Array.MaxLength);
        Assert.True(batch.Images.Blocks.All(b => b.Length <= ImageRows.MaxBlockBytes));
        var trainer = batch.SliceFor(7, 8); // rows [14336, 16384)
        Assert.Equal(2048 * RowBytes, trainer.Images.TotalBytes);
        Assert.Equal(batch.Images.Row(16_000).ToArray(), trainer.Images.Row(16_000 - 14_336).ToArray());
    }
}

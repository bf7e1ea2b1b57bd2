using System.Runtime.CompilerServices;
using TinyClip.Data.Ordering;

namespace TinyClip.Data.Pipeline;

/// <summary>
/// The pull-based pipeline: batches from a cursor on, decoded <c>DecodeParallelism</c> samples at a
/// time. Holds at most one window of rows and one chunk of decoded samples; the consumer's pace is
/// the back-pressure. Useful on its own (tools, evaluation, tests) and as the reference the Akka
/// feed must agree with.
/// </summary>
public sealed class SampleSource(BatchPipeline pipeline)
{
    public BatchPipeline Pipeline => pipeline;

    public async IAsyncEnumerable<TrainingBatch> ReadAsync(Cursor from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var assembler = pipeline.NewAssembler(from);
        var parallelism = pipeline.Settings.Stream.DecodeParallelism;
        foreach (var start in pipeline.WindowsFrom(from))
        {
            var window = await pipeline.LoadAsync(start, cancellationToken);
            foreach (var chunk in window.Candidates().Chunk(parallelism))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var processed = chunk.AsParallel().AsOrdered().WithDegreeOfParallelism(parallelism)
                    .Select(pipeline.Processor.Process).ToArray();
                foreach (var sample in processed)
                    foreach (var batch in assembler.Add(sample))
                        yield return batch;
            }
        }
    }
}

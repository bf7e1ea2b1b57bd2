using TinyClip.Actors.Configuration;
using static TorchSharp.torch;

namespace TinyClip.Actors.Tests.Training;

/// <summary>
/// A trainer computes with its own libtorch thread count, whatever process-wide count its thread found when it started
/// (see <see cref="TinyClip.Actors.Training.IntraOpThreads"/>): in one test process, runs prepared by other tests set
/// that count to 1 or 2 at any moment.
/// </summary>
public sealed class IntraOpThreadsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tinyclip-threads-").FullName;

    [Fact]
    public void A_trainer_computes_the_same_bits_whatever_thread_count_the_process_had_when_its_thread_started()
    {
        int processWide = OnFreshThread(get_num_threads);
        try
        {
            set_num_threads(2);
            var startedUnderTwo = OnFreshThread(FirstStep);
            set_num_threads(1);
            var startedUnderOne = OnFreshThread(FirstStep);

            Assert.Equal(1, startedUnderTwo.Threads);
            Assert.Equal(1, startedUnderOne.Threads);
            Assert.Equal(startedUnderOne.Gradients.Length, startedUnderTwo.Gradients.Length);
            Assert.True(startedUnderOne.Gradients.SequenceEqual(startedUnderTwo.Gradients), "the first step's gradients differ");
        }
        finally
        {
            set_num_threads(processWide);
        }
    }

    /// <summary>A lone trainer's first step (teacher stage, batch 8, one libtorch thread): the count it computed with, and its gradients.</summary>
    private (int Threads, float[] Gradients) FirstStep()
    {
        var stage = TrainingFixtures.Stage(StageKind.Teacher, steps: 10, batchSize: 8);
        using var core = TrainingFixtures.LoneTrainer(TrainingFixtures.LoneSetup(TrainingFixtures.Assignment(stage, null), _directory));
        core.Train(TrainingFixtures.Batch(0, 8), stopRequested: false);
        var gradients = core.Student.parameters().Where(p => p.grad is not null).SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        return (get_num_threads(), gradients);
    }

    private static T OnFreshThread<T>(Func<T> work)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new AggregateException(failure);
        return result;
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

using System.Runtime.InteropServices;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Data.Ordering;
using TinyClip.Data.Pipeline;
using TinyClip.Model;
using TinyClip.Model.Losses;
using TinyClip.Model.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>
/// One data-parallel trainer's work for a stage, without actors: a frozen teacher, a student, its optimiser and
/// schedule, the check that every member holds its rows of the same global batch, and the exact global-batch step of docs/training.md ("whole loss, own slice": features are
/// all-gathered, every trainer computes the whole N x N loss and back-propagates its own rows, parameter gradients
/// are summed). Every member of a group makes the same collective calls in the same order, so all stay in lock-step
/// and hold identical weights.
/// </summary>
public sealed class TrainerCore : IDisposable
{
    private readonly TrainerSetup _setup;
    private readonly ICollective _collective;
    private readonly Device _device;
    private readonly ClipModel? _teacher;
    private readonly ShardedContrastiveStep _step;
    private readonly RowShardedLoss _rowShardedLoss;
    private readonly LearningRateSchedule _schedule;
    private readonly BatchAgreement _agreement;
    private IReadOnlyList<TorchSharp.Modules.Parameter> _trainable;
    private IReadOnlyList<TorchSharp.Modules.Parameter> _textTower = [];
    private IReadOnlyList<TorchSharp.Modules.Parameter> _imageTowerAndScale = [];
    private MaskLearning? _masks;
    private int _nonFiniteInRow;

    private TrainerCore(TrainerSetup setup, ICollective collective, Device device, ClipModel student, ClipModel? teacher,
        MaskLearning? masks, long startStep)
    {
        _setup = setup;
        _collective = collective;
        _device = device;
        Student = student;
        _teacher = teacher;
        _masks = masks;
        Step = startStep;
        var stage = setup.Assignment.Stage;
        Optimizer = NewOptimizer(student, stage.Optimization);
        _step = new ShardedContrastiveStep(new DistillationObjective(new DistillationSettings(
            stage.Loss.Alpha, stage.Loss.Weight, stage.Loss.FixedLogitScale, stage.Loss.LearnableLogitScale, stage.Loss.TeacherOwnLogitScale)));
        _rowShardedLoss = new RowShardedLoss(_step.Objective);
        _schedule = new LearningRateSchedule(stage.Optimization.LearningRate, stage.Optimization.WarmupSteps, stage.Steps);
        _agreement = new BatchAgreement(setup.Start);
        _trainable = Trainable(student);
        student.CheckpointActivations = stage.ActivationCheckpointing;
        _step.Objective.ConstrainStudentLogitScale(student.LogitScale);
    }

    public ClipModel Student { get; private set; }
    public AdamW Optimizer { get; private set; }

    /// <summary>CPU copies of everything a checkpoint after the last step saves (the mask state too while an auto stage
    /// learns its masks), for writing while training goes on.</summary>
    public CheckpointSnapshot Snapshot() => CheckpointSnapshot.Take(Step, Student, Optimizer, Cursor, _masks?.StateDict());

    /// <summary>The mask and Lagrangian parameters by name while an auto stage learns its masks; none otherwise.</summary>
    public IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> MaskParameters() =>
        _masks is null ? [] : _masks.Masked.MaskParameters.Concat(_masks.Masked.LambdaParameters);

    /// <summary>What the deterministic masks keep now, while an auto stage learns its masks; null otherwise.</summary>
    public IReadOnlyList<TowerStructure>? KeptStructure() => _masks?.Masked.KeptStructure();


    /// <summary>Where the next step's batch starts (every lane's position): what a checkpoint after the last step records.</summary>
    public Cursor Cursor => _agreement.Expected;

    /// <summary>Steps of this stage already taken.</summary>
    public long Step { get; private set; }

    public StageSpec Stage => _setup.Assignment.Stage;

    public bool IsFinished => Step >= Stage.Steps;

    /// <summary>Builds the stage's student (fresh, inherited, masked, or the pruned model of a checkpoint) and teacher;
    /// with <paramref name="resume"/> (the assignment's verified checkpoint, read once per node) it continues after
    /// that checkpoint's step, with its weights, optimiser and mask state. Called on the thread that will train: it pins
    /// that thread's libtorch thread count.</summary>
    public static TrainerCore Create(TrainerSetup setup, ICollective collective, ResumeCheckpoint? resume = null)
    {
        var assignment = setup.Assignment;
        var stage = assignment.Stage;
        if (stage.BatchSize < setup.WorldSize)
            throw new InvalidOperationException($"batch size {stage.BatchSize} of stage '{stage.Name}' is smaller than the {setup.WorldSize} trainers");
        IntraOpThreads.Pin(setup.IntraOpThreads);
        var device = new Device(setup.Device);
        var (student, masks) = StudentFactory.Build(setup, device, resume);
        ClipModel? teacher = null;
        if (assignment.TeacherCheckpoint is not null && stage.Loss.Alpha > 0)
        {
            var hints = assignment.TeacherModel.Length > 0 ? ArchitectureHints.From(ModelCatalog.Resolve(assignment.TeacherModel, null)) : null;
            teacher = ClipCheckpoint.LoadModel(assignment.TeacherCheckpoint, setup.AllowPickle, hints);
            teacher.to(device);
            if (setup.TeacherPrecision == TeacherPrecision.Bf16)
            {
                EnsureBFloat16(device);
                teacher.to(ScalarType.BFloat16);
            }
            teacher.eval();
            foreach (var p in teacher.parameters()) p.requires_grad_(false);
            EnsureSameInputs(student.Config, teacher.Config);
        }
        var core = new TrainerCore(setup, collective, device, student, teacher, masks, startStep: resume?.Step ?? 0);
        resume?.LoadInto(core.Student, core.Optimizer, core._masks);
        return core;
    }

    /// <summary>The student's trainable parameters, and the two buckets an overlapped exchange sends them in.</summary>
    private IReadOnlyList<TorchSharp.Modules.Parameter> Trainable(ClipModel student)
    {
        var trainable = student.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        _textTower = trainable.Where(p => ClipModel.IsTextTowerParameter(p.name)).Select(p => p.parameter).ToList();
        _imageTowerAndScale = trainable.Where(p => !ClipModel.IsTextTowerParameter(p.name)).Select(p => p.parameter).ToList();
        return trainable.Select(p => p.parameter).ToList();
    }

    private static AdamW NewOptimizer(ClipModel student, OptimizationSpec optimization)
    {
        var groups = ParameterGroup.DecayAndNoDecay(student.named_parameters().Select(p => (p.name, p.parameter)), optimization.WeightDecay);
        return new AdamW(groups, optimization.Beta1, optimization.Beta2, optimization.Epsilon);
    }

    /// <summary>One optimisation step on this trainer's slice of the global batch. <paramref name="stopRequested"/> is
    /// agreed across the group: when any member asks, every member reports it after the same step.</summary>
    public StepReport Train(TrainingBatch slice, bool stopRequested)
    {
        var report = TrainInScope(slice, stopRequested);
        // Outside the step's dispose scope: the pruned model's parameters must outlive it.
        return _masks is not null && Step == _masks.Spec.PruneStep ? report with { Pruned = Prune() } : report;
    }

    private StepReport TrainInScope(TrainingBatch slice, bool stopRequested)
    {
        using var scope = NewDisposeScope();
        int b = _setup.LocalBatch;
        if (slice.Count != b) throw new InvalidOperationException($"trainer {_setup.Rank} got {slice.Count} rows, expected {b}");
        AgreeOnBatch(slice);
        Student.train();
        Optimizer.ZeroGrad();
        _masks?.Optimizer.ZeroGrad();
        var masks = _masks?.Sample(Step); // once per step, whatever the micro-batches
        int micro = Stage.MicroBatchSize is > 0 and var size && size < b ? size : b;
        using var exchange = _collective.WorldSize == 1 ? null : new GradientExchange(_collective, _device, _setup.OverlapGradientExchange);
        var result = micro == b ? WholeBatchStep(slice, masks, exchange) : CachedGradientStep(slice, masks, micro, exchange);

        double learningRate = _schedule.At(Step);
        var maskProgress = result.IsFinite ? _masks?.AddPenalty(Step) : null;
        bool stop = result.IsFinite ? ReduceGradients(exchange, stopRequested) : AgreeOnStop(stopRequested);
        // The norm is taken of the summed gradients, so every trainer of the group sees the same one and skips with the others.
        double gradientNorm = result.IsFinite ? GradientClipping.ClipGlobalNorm(_trainable, Stage.Optimization.GradientClip) : double.NaN;
        bool skipped = !double.IsFinite(gradientNorm);
        if (!skipped)
        {
            _nonFiniteInRow = 0;
            Optimizer.Step(learningRate);
            _masks?.Step();
            _step.Objective.ConstrainStudentLogitScale(Student.LogitScale);
        }
        else if (++_nonFiniteInRow >= _setup.MaxNonFiniteStepsInRow)
        {
            throw new NonFiniteLossException($"{_nonFiniteInRow} steps in a row had a non-finite loss or gradient (last at step {Step} of stage '{Stage.Name}')");
        }
        Step++;
        return new StepReport(Step, result.Loss, result.Distill, result.Clip, learningRate, gradientNorm, skipped, stop, maskProgress);
    }

    /// <summary>The local batch in one forward and backward: every activation of both passes held at once.</summary>
    private ShardedStepResult WholeBatchStep(TrainingBatch slice, StudentMasks? masks, GradientExchange? exchange)
    {
        var (images, tokens) = Inputs(slice, 0, slice.Count);
        var localTeacher = TeacherFeatures(images, tokens);
        var local = StudentFeatures(images, tokens, masks);
        var (result, gradients) = LossGradients(local, localTeacher, slice.Count);
        if (gradients is null) return result;
        Backward(local, gradients.Image, gradients.Text, exchange);
        gradients.AccumulateScale(Student.LogitScale);
        return result;
    }

    /// <summary>
    /// The step's last backward pass. With an overlapped exchange, and no masks being learned (their sampling ties the
    /// towers together), it runs tower by tower: the text tower first, whose gradients are then summed across the group
    /// while the image tower's backward runs (the image tower is the larger computation). The towers share no
    /// parameters, so each gradient is the same sum either way.
    /// </summary>
    private void Backward(ClipFeatures features, Tensor imageGradient, Tensor textGradient, GradientExchange? exchange)
    {
        if (!ExchangesByTower(exchange))
        {
            autograd.backward([features.Image, features.Text], [imageGradient, textGradient]);
            return;
        }
        autograd.backward([features.Text], [textGradient]);
        exchange.Send(_textTower, Tag("gradients:text"));
        autograd.backward([features.Image], [imageGradient]);
    }

    /// <summary>
    /// The global loss and its gradient with respect to this trainer's features, from all trainers' gathered features:
    /// every trainer computing all N loss rows, or (<c>row-sharded-loss</c>) each its own rows, summed by an all-reduce.
    /// With micro-batches the loss rows are also taken a micro-batch at a time, so that no N x N matrix is built.
    /// </summary>
    private (ShardedStepResult Result, OwnFeatureGradients? Gradients) LossGradients(ClipFeatures local, ClipFeatures? localTeacher, int micro)
    {
        var (gatheredStudent, gatheredTeacher) = Gather(local, localTeacher);
        bool rowSharded = Stage.RowShardedLoss && _collective.WorldSize > 1;
        if (!rowSharded && micro == _setup.LocalBatch)
            return _step.FeatureGradients(local, _setup.FirstRow, gatheredStudent, gatheredTeacher, Student.LogitScale, _teacher?.LogitScale);
        var (first, rows) = rowSharded ? (_setup.FirstRow, _setup.LocalBatch) : (0L, gatheredStudent.Count);
        var contribution = _rowShardedLoss.Contribution(first, rows, gatheredStudent, gatheredTeacher, Student.LogitScale, _teacher?.LogitScale,
            rowsAtOnce: micro);
        if (rowSharded) _collective.AllReduceSum(contribution, Tag("loss-rows"));
        return _rowShardedLoss.Finish(contribution, _setup.FirstRow, _setup.LocalBatch, gatheredStudent);
    }

    /// <summary>
    /// Gradient caching (GradCache, Gao et al. 2021): the same gradient as <see cref="WholeBatchStep"/> with the
    /// activations of one micro-batch at a time. (1) Teacher and student features of every micro-batch without graphs;
    /// (2) the global loss and its gradient with respect to this trainer's features; (3) each micro-batch's student
    /// forward again, with a graph, back-propagating its rows of that gradient. dL/dθ = Σ_m (dL/dF_m)(dF_m/dθ) is the sum
    /// the whole batch computes in one backward, up to the order of float additions. The step's sampled masks are shared
    /// by all micro-batches through leaf copies whose gradients are pushed into the mask parameters once at the end.
    /// </summary>
    private ShardedStepResult CachedGradientStep(TrainingBatch slice, StudentMasks? masks, int micro, GradientExchange? exchange)
    {
        var shared = masks is null ? null : new SharedMasks(masks);
        var microBatches = Enumerable.Range(0, (slice.Count + micro - 1) / micro)
            .Select(m => (Start: m * micro, Count: Math.Min(micro, slice.Count - m * micro))).ToList();
        var studentParts = new List<ClipFeatures>();
        var teacherParts = new List<ClipFeatures>();
        using (no_grad())
        {
            foreach (var (start, count) in microBatches)
            {
                using var microScope = NewDisposeScope(); // frees the micro-batch's inputs and intermediates, keeps its features
                var (images, tokens) = Inputs(slice, start, count);
                if (TeacherFeatures(images, tokens) is { } teacher) teacherParts.Add(teacher.MoveToOuterDisposeScope());
                studentParts.Add(StudentFeatures(images, tokens, shared?.Leaves).MoveToOuterDisposeScope());
            }
        }
        var local = new ClipFeatures(cat(studentParts.Select(p => p.Image).ToList(), 0), cat(studentParts.Select(p => p.Text).ToList(), 0));
        var localTeacher = teacherParts.Count == 0 ? null
            : new ClipFeatures(cat(teacherParts.Select(p => p.Image).ToList(), 0), cat(teacherParts.Select(p => p.Text).ToList(), 0));
        var (result, gradients) = LossGradients(local, localTeacher, micro);
        if (gradients is null) return result;
        foreach (var (start, count) in microBatches)
        {
            using var microScope = NewDisposeScope(); // frees each micro-batch's graph before the next forward
            var (images, tokens) = Inputs(slice, start, count);
            var features = StudentFeatures(images, tokens, shared?.Leaves);
            bool last = start + count == slice.Count;
            Backward(features, gradients.Image.narrow(0, start, count), gradients.Text.narrow(0, start, count), last ? exchange : null);
        }
        shared?.BackwardIntoMasks();
        gradients.AccumulateScale(Student.LogitScale);
        return result;
    }

    /// <summary>Rows [start, start + count) of the slice on the device: normalised pixels and token ids.</summary>
    private (Tensor Images, Tensor Tokens) Inputs(TrainingBatch slice, int start, int count) => (
        ImageInput.ToDevice(slice.Images.Slice(start, count), _device),
        tensor(slice.Tokens.AsSpan(start * slice.ContextLength, count * slice.ContextLength).ToArray(), new long[] { count, slice.ContextLength })
            .to(ScalarType.Int64).to(_device));

    /// <summary>The frozen teacher's normalised features, in float32 whatever the teacher computes in.</summary>
    private ClipFeatures? TeacherFeatures(Tensor images, Tensor tokens)
    {
        if (!_step.Objective.NeedsTeacher) return null;
        using var scope = NewDisposeScope(); // the forward's intermediates are freed here, not at the end of the step
        using var noGrad = no_grad();
        var input = images.to(_teacher!.LogitScale.dtype);
        return new ClipFeatures(
            AffinityMimickingLoss.Normalize(_teacher.EncodeImage(input).to(ScalarType.Float32)),
            AffinityMimickingLoss.Normalize(_teacher.EncodeText(tokens).to(ScalarType.Float32))).MoveToOuterDisposeScope();
    }

    /// <summary>Refuses a device that cannot multiply bfloat16 matrices, before any step, with the setting's name.</summary>
    private static void EnsureBFloat16(Device device)
    {
        try
        {
            using var scope = NewDisposeScope();
            ones(new long[] { 4, 4 }, ScalarType.BFloat16, device).matmul(ones(new long[] { 4, 4 }, ScalarType.BFloat16, device)).sum().to(ScalarType.Float32).item<float>();
        }
        catch (Exception e) when (e is ExternalException or NotSupportedException or ArgumentException)
        {
            throw new InvalidOperationException($"tinyclip.teacher.precision = bf16, but device {device} cannot compute in bfloat16 ({e.Message}); use fp32");
        }
    }

    private ClipFeatures StudentFeatures(Tensor images, Tensor tokens, StudentMasks? masks) => new(
        AffinityMimickingLoss.Normalize(Student.EncodeImage(images, masks?.Image)),
        AffinityMimickingLoss.Normalize(Student.EncodeText(tokens, masks?.Text)));

    /// <summary>
    /// A step's sampled masks shared by several backward passes: the forwards use leaf copies, whose gradients add up
    /// over the micro-batches, and one backward at the end takes them through the sampling into the mask parameters.
    /// </summary>
    private sealed class SharedMasks(StudentMasks sampled)
    {
        public StudentMasks Leaves { get; } = new(Leaf(sampled.Image), Leaf(sampled.Text));

        public void BackwardIntoMasks()
        {
            var pairs = Enumerable.Zip(Tensors(sampled), Tensors(Leaves), (mask, leaf) => (Mask: mask, Leaf: leaf))
                .Where(p => p.Mask is not null && p.Leaf?.grad is not null).ToList();
            if (pairs.Count > 0) autograd.backward(pairs.Select(p => p.Mask!).ToList(), pairs.Select(p => p.Leaf!.grad!).ToList());
        }

        private static TowerMasks Leaf(TowerMasks masks) =>
            new(masks.Heads?.detach().requires_grad_(), masks.Intermediate?.detach().requires_grad_(), masks.Hidden?.detach().requires_grad_());

        private static IEnumerable<Tensor?> Tensors(StudentMasks masks) =>
            [masks.Image.Heads, masks.Image.Intermediate, masks.Image.Hidden, masks.Text.Heads, masks.Text.Intermediate, masks.Text.Hidden];
    }

    /// <summary>
    /// The prune step of an auto stage: deterministic masks folded into the weights, zeroed structures removed, masks
    /// dropped, a fresh optimiser for the heterogeneous student; the learning-rate schedule simply continues.
    /// </summary>
    private IReadOnlyList<TowerStructure> Prune()
    {
        var masks = _masks!;
        var structure = masks.Masked.KeptStructure();
        var pruned = masks.Masked.Prune();
        pruned.to(_device);
        pruned.CheckpointActivations = Stage.ActivationCheckpointing;
        masks.Dispose();
        Student.Dispose();
        Optimizer.Dispose();
        _masks = null;
        Student = pruned;
        Optimizer = NewOptimizer(pruned, Stage.Optimization);
        _trainable = Trainable(pruned);
        return structure;
    }

    /// <summary>Every member shows the others which batch it holds before any work is done on it (see <see cref="BatchAgreement"/>).</summary>
    private void AgreeOnBatch(TrainingBatch slice)
    {
        var report = BatchReport.Of(slice);
        var reports = _collective.WorldSize == 1 ? [report] : BatchReportCodec.DecodeAll(_collective.AllGather(BatchReportCodec.Encode(report), Tag("batch")));
        _agreement.Agree(reports);
    }

    /// <summary>All-gathers student (and teacher) features: one message per member holding its rows of all four matrices.</summary>
    private (ClipFeatures Student, ClipFeatures? Teacher) Gather(ClipFeatures student, ClipFeatures? teacher)
    {
        var parts = new List<Tensor> { student.Image, student.Text };
        if (teacher is not null) { parts.Add(teacher.Image); parts.Add(teacher.Text); }
        if (_collective.WorldSize == 1) return (student.Detach(), teacher);
        var widths = parts.Select(p => p.shape[1]).ToArray();
        var payload = cat(parts.Select(p => p.detach()).ToList(), dim: 1).to(ScalarType.Float32).cpu();
        var gathered = _collective.AllGather(payload.data<float>().ToArray(), Tag("features"));
        var all = HostTensors.Floats(gathered, _setup.Assignment.Stage.BatchSize, widths.Sum()).to(_device);
        var columns = all.split(widths, dim: 1);
        return (new ClipFeatures(columns[0], columns[1]), teacher is null ? null : new ClipFeatures(columns[2], columns[3]));
    }

    /// <summary>Whether this step's gradients go in two buckets, tower by tower (one decision for the backward and the exchange).</summary>
    private bool ExchangesByTower([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] GradientExchange? exchange) => exchange is { Overlapped: true } && _masks is null;

    /// <summary>Sums parameter gradients over the group (the sharded step's rule): what <see cref="Backward"/> has not
    /// sent yet, with one extra value that carries the stop vote.</summary>
    private bool ReduceGradients(GradientExchange? exchange, bool stopRequested)
    {
        if (exchange is null) return stopRequested;
        var vote = stopRequested ? 1f : 0f;
        if (ExchangesByTower(exchange)) exchange.Send(_imageTowerAndScale, Tag("gradients:image"), vote);
        else exchange.Send(_masks is null ? _trainable : _trainable.Concat(_masks.Parameters).ToList(), Tag("gradients"), vote);
        return exchange.Finish()[0] > 0;
    }

    private bool AgreeOnStop(bool stopRequested)
    {
        if (_collective.WorldSize == 1) return stopRequested;
        var vote = new[] { stopRequested ? 1f : 0f };
        _collective.AllReduceSum(vote, Tag("stop-vote"));
        return vote[0] > 0;
    }

    private CollectiveTag Tag(string phase) => new(_setup.Assignment.CollectiveSession, Step, phase);

    private static void EnsureSameInputs(ClipConfig student, ClipConfig teacher)
    {
        if (student.Vision.ImageSize != teacher.Vision.ImageSize)
            throw new InvalidOperationException($"student image size {student.Vision.ImageSize} differs from the teacher's {teacher.Vision.ImageSize}: both see the same images");
        if (student.Text.ContextLength != teacher.Text.ContextLength)
            throw new InvalidOperationException($"student context length {student.Text.ContextLength} differs from the teacher's {teacher.Text.ContextLength}: both see the same tokens");
        if (student.Text.VocabSize > teacher.Text.VocabSize)
            throw new InvalidOperationException($"student vocabulary {student.Text.VocabSize} is larger than the teacher's {teacher.Text.VocabSize}: token ids would fall outside the teacher's table");
    }

    public void Dispose()
    {
        _masks?.Dispose();
        Optimizer.Dispose();
        Student.Dispose();
        _teacher?.Dispose();
    }
}

public sealed class NonFiniteLossException(string message) : Exception(message);

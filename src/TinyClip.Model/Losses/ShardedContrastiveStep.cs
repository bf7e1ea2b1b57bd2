using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model.Losses;

/// <summary>
/// The exact data-parallel gradient of the global-batch objective without a differentiable all-gather
/// ("whole loss, own slice" scheme of docs/training.md).
/// <para>
/// Each trainer holds the rows [rowOffset, rowOffset + b) of the global batch. Per step the runtime
/// (a) computes this trainer's normalised student features (with graph) and teacher features,
/// (b) all-gathers detached copies of both in rank order (its own rows included),
/// (c) calls <see cref="Run"/>: the whole N x N loss is computed from leaf copies of the gathered student
/// features, its gradient with respect to them is taken, and only this trainer's slice is pushed back
/// through its own encoders,
/// (d) all-reduces every parameter gradient with <see cref="ParameterGradientReduction"/> (Sum),
/// (e) clips, steps the optimiser, then applies <see cref="DistillationObjective.ConstrainStudentLogitScale"/>.
/// </para>
/// <para>
/// Why a sum: dL/dθ = Σ_k (dL/dF_k)(dF_k/dθ), and trainer k computes exactly its term k. A learnable
/// student logit scale is used directly by the loss on every trainer, so every trainer computes the same
/// full dL/dscale; only the trainer holding row 0 contributes it (the others contribute zeros), so the
/// sum counts it once. No feature gradients are exchanged; the loss costs O(N^2 d), small next to the encoders.
/// </para>
/// </summary>
public sealed class ShardedContrastiveStep
{
    // A wrong rowOffset or gather order would silently give wrong gradients; the gathered copy of this
    // trainer's rows must match its local features. Loose enough for any float rounding of unit vectors.
    private const double OwnRowsTolerance = 1e-3;

    public ShardedContrastiveStep(DistillationObjective objective) => Objective = objective;

    public DistillationObjective Objective { get; }

    /// <summary>How the runtime must combine the trainers' parameter gradients: always <see cref="GradientReduction.Sum"/>.</summary>
    public static GradientReduction ParameterGradientReduction => GradientReduction.Sum;

    /// <summary>
    /// Computes the global loss and accumulates this trainer's share of the parameter gradients into its
    /// parameters' <c>.grad</c> (call <c>zero_grad</c> before, as usual).
    /// </summary>
    /// <param name="localStudent">This trainer's normalised student features (b x d_s), with autograd graph.</param>
    /// <param name="rowOffset">Where this trainer's rows start in the gathered batch (rank * b for equal shards).</param>
    /// <param name="gatheredStudent">All trainers' student features (N x d_s), any graph is ignored.</param>
    /// <param name="gatheredTeacher">All trainers' teacher features (N x d_t); null only when the objective needs no teacher.</param>
    /// <param name="studentLogitScale">The student's logit_scale parameter (log form); required when it is learnable.
    /// Its gradient is written on every trainer (zeros except on the trainer with rowOffset 0).</param>
    /// <param name="teacherLogitScale">The teacher's logit_scale (log form); required when the teacher's own scale is used.</param>
    public ShardedStepResult Run(
        ClipFeatures localStudent,
        long rowOffset,
        ClipFeatures gatheredStudent,
        ClipFeatures? gatheredTeacher,
        Tensor? studentLogitScale = null,
        Tensor? teacherLogitScale = null)
    {
        using var scope = NewDisposeScope();
        var (result, gradients) = FeatureGradients(localStudent, rowOffset, gatheredStudent, gatheredTeacher, studentLogitScale, teacherLogitScale);
        if (gradients is not null)
        {
            autograd.backward([localStudent.Image, localStudent.Text], [gradients.Image, gradients.Text]);
            gradients.AccumulateScale(studentLogitScale);
        }
        return result;
    }

    /// <summary>
    /// The global loss and its gradient with respect to this trainer's own features (its rows of dL/dF, image and text)
    /// and, when learnable, the student's logit scale, without back-propagating anything: gradient caching pushes the
    /// feature gradients through the encoders one micro-batch at a time (<see cref="Run"/> does it in one go). Null
    /// gradients when the loss is not finite. <paramref name="localStudent"/> needs no graph here.
    /// </summary>
    public (ShardedStepResult Result, OwnFeatureGradients? Gradients) FeatureGradients(
        ClipFeatures localStudent,
        long rowOffset,
        ClipFeatures gatheredStudent,
        ClipFeatures? gatheredTeacher,
        Tensor? studentLogitScale = null,
        Tensor? teacherLogitScale = null)
    {
        localStudent.EnsurePaired(nameof(localStudent));
        gatheredStudent.EnsurePaired(nameof(gatheredStudent));
        var ownRows = new RowRange(rowOffset, localStudent.Count);
        ownRows.EnsureWithin(gatheredStudent.Count);
        EnsureOwnRowsMatch(localStudent, gatheredStudent, ownRows);

        // Leaves: every use of this trainer's features in the loss (as rows and as columns) goes
        // through them, so their gradient is the whole dL/dF.
        var leaves = new ClipFeatures(
            gatheredStudent.Image.detach().clone().requires_grad_(),
            gatheredStudent.Text.detach().clone().requires_grad_());
        var learnableScale = Objective.Settings.LearnableStudentScale;
        var scaleLeaf = learnableScale ? RequireScale(studentLogitScale).detach().clone().requires_grad_() : null;

        var value = Objective.Compute(leaves, gatheredTeacher, scaleLeaf, teacherLogitScale);
        var result = new ShardedStepResult(value.Loss.AsDouble(), value.Distill, value.Clip);
        if (!result.IsFinite)
            return (result, null);

        var inputs = new List<Tensor> { leaves.Image, leaves.Text };
        if (scaleLeaf is not null)
            inputs.Add(scaleLeaf);
        var leafGradients = autograd.grad(new[] { value.Loss }, inputs);
        var scaleGradient = scaleLeaf is null ? null : rowOffset == 0 ? leafGradients[2] : zeros_like(leafGradients[2]);
        return (result, new OwnFeatureGradients(ownRows.Slice(leafGradients[0]).contiguous(), ownRows.Slice(leafGradients[1]).contiguous(), scaleGradient));
    }

    private static Tensor RequireScale(Tensor? studentLogitScale) =>
        studentLogitScale ?? throw new ArgumentNullException(
            nameof(studentLogitScale), "LearnableStudentScale needs the student's logit_scale parameter.");

    private static void EnsureOwnRowsMatch(ClipFeatures local, ClipFeatures gathered, RowRange ownRows)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var imageMatches = ownRows.Slice(gathered.Image).allclose(local.Image.to(gathered.Image.dtype), rtol: 0, atol: OwnRowsTolerance, equal_nan: true);
        var textMatches = ownRows.Slice(gathered.Text).allclose(local.Text.to(gathered.Text.dtype), rtol: 0, atol: OwnRowsTolerance, equal_nan: true);
        if (!imageMatches || !textMatches)
            throw new ArgumentException(
                $"gathered rows [{ownRows.Offset}, {ownRows.Offset + ownRows.Count}) are not this trainer's features: wrong rowOffset or gather order?");
    }
}

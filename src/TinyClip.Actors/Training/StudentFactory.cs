using TinyClip.Actors.Configuration;
using TinyClip.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>
/// The student a stage starts with, by kind: fresh or from a checkpoint (teacher, distill), inherited into a smaller
/// preset (manual), or the full model under fresh masks (auto; a pruned init model is first expanded into the full
/// architecture). An auto stage resuming at or after its prune step starts from the pruned checkpoint's shapes.
/// </summary>
public static class StudentFactory
{
    public static (ClipModel Student, MaskLearning? Masks) Build(TrainerSetup setup, Device device, ResumeCheckpoint? resume)
    {
        var assignment = setup.Assignment;
        var stage = assignment.Stage;
        switch (stage.Kind)
        {
            case StageKind.Manual:
            {
                using var source = ClipCheckpoint.LoadModel(assignment.StudentInit, setup.AllowPickle);
                var target = ModelCatalog.Resolve(stage.Model, source.Config.Text.VocabSize);
                return (OnDevice(ManualInheritance.Inherit(source, target), device), null);
            }
            case StageKind.Auto when resume is not null && resume.Step >= stage.Auto!.PruneStep:
                return (OnDevice(resume.BuildStudent(), device), null);
            case StageKind.Auto:
            {
                var source = ClipCheckpoint.LoadModel(assignment.StudentInit, setup.AllowPickle);
                var full = ModelCatalog.Resolve(stage.Model, source.Config.Text.VocabSize);
                var settings = MaskLearning.Settings(stage.Auto!);
                MaskedStudent masked;
                if (SameArchitecture(source.Config, full))
                {
                    masked = MaskedStudent.Create(OnDevice(source, device), settings);
                }
                else
                {
                    masked = MaskedStudent.ExpandIntoMasked(source, full, settings, setup.InitSeed);
                    source.Dispose();
                    masked.Model.to(device);
                }
                return (masked.Model, new MaskLearning(masked, stage.Auto!, stage.Optimization, setup.InitSeed, setup.Rank));
            }
            default:
            {
                var student = assignment.StudentInit == StageSpec.InitScratch
                    ? ClipModel.Create(ModelCatalog.Resolve(stage.Model, setup.VocabularySize), setup.InitSeed)
                    : ClipCheckpoint.LoadModel(assignment.StudentInit, setup.AllowPickle);
                return (OnDevice(student, device), null);
            }
        }
    }

    /// <summary>Same parameter names and shapes: the init model already is the full architecture the masks cover.</summary>
    private static bool SameArchitecture(ClipConfig a, ClipConfig b) =>
        ClipLayout.Entries(a).Select(e => (e.Name, string.Join(",", e.Shape)))
            .SequenceEqual(ClipLayout.Entries(b).Select(e => (e.Name, string.Join(",", e.Shape))));

    private static ClipModel OnDevice(ClipModel model, Device device)
    {
        model.to(device);
        return model;
    }
}

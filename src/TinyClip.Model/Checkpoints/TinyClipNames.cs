using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// The parameter names of TinyCLIP's own checkpoints (microsoft/Cream, TinyCLIP; docs/using-a-model.md), mapped to
/// OpenCLIP's. TinyCLIP's trainer holds the CLIP model as three parts, each possibly wrapped by DistributedDataParallel:
/// <c>_image_encoder.[module.]visual.*</c>, <c>_text_encoder.[module.]*</c> (the text tower's OpenCLIP names) and
/// <c>_logit_scale.[module.]logit_scale</c>. An automatic-inheritance checkpoint saved before its prune step also holds
/// each tower's L0 module: log-alphas <c>l0_module.hidden_loga</c> (C), <c>heads_loga</c> (L, H) and
/// <c>intermediate_loga</c> (L, 4C), which become the mask names of <see cref="MaskedStudent"/>
/// (<c>masks.visual.hidden_log_alpha</c>, ...), and the Lagrange multipliers <c>lambda_1</c>, <c>lambda_2</c>, which
/// are dropped: they only steer mask learning, and the compact student does not depend on them.
/// </summary>
public static class TinyClipNames
{
    const string ImageEncoder = "_image_encoder";
    const string TextEncoder = "_text_encoder";
    const string LogitScale = "_logit_scale";
    const string MaskModule = "l0_module";
    /// <summary>The segment DistributedDataParallel inserts; no OpenCLIP name has a segment of that name.</summary>
    const string DataParallelSegment = "module";

    /// <summary>Whether any name has TinyCLIP's wrapping (then every name must).</summary>
    public static bool AreTinyClip(IEnumerable<string> names) => names.Any(name =>
    {
        var first = FirstSegment(name);
        return first is ImageEncoder or TextEncoder or LogitScale;
    });

    /// <summary>
    /// The tensors under OpenCLIP and mask names (the same tensor objects, not copies); tensors without TinyCLIP's
    /// wrapping are returned unchanged. A name that cannot be mapped is refused, naming it.
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> ToOpenClip(string source, IReadOnlyDictionary<string, Tensor> tensors)
    {
        if (!AreTinyClip(tensors.Keys)) return tensors;
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors)
        {
            var mapped = Map(source, name);
            if (mapped is null) continue;
            if (!result.TryAdd(mapped, tensor))
                throw new CheckpointFormatException(source, name, $"maps to '{mapped}', which another entry maps to as well");
        }
        return result;
    }

    /// <summary>The OpenCLIP or mask name of TinyCLIP's <paramref name="name"/>; null for an entry that is dropped.</summary>
    public static string? Map(string source, string name)
    {
        var segments = name.Split('.').Where(s => s != DataParallelSegment).ToArray();
        var rest = segments.Skip(1).ToArray();
        switch (segments[0])
        {
            case ImageEncoder when rest.Length > 1 && rest[0] == MaskModule:
                return MaskName(source, name, TowerMaskSet.ImageTower, rest);
            case ImageEncoder when rest.Length > 1 && rest[0] == "visual":
                return string.Join('.', rest);
            case TextEncoder when rest.Length > 1 && rest[0] == MaskModule:
                return MaskName(source, name, TowerMaskSet.TextTower, rest);
            case TextEncoder when rest.Length > 0:
                return string.Join('.', rest);
            case LogitScale when rest is ["logit_scale"]:
                return "logit_scale";
            case ImageEncoder or TextEncoder or LogitScale:
                throw new CheckpointFormatException(source, name, "is not a TinyCLIP image-encoder (visual.*), text-encoder, logit-scale or l0_module entry");
            default:
                throw new CheckpointFormatException(source, name, "lacks TinyCLIP's _image_encoder/_text_encoder/_logit_scale wrapping that the checkpoint's other names have");
        }
    }

    static string? MaskName(string source, string name, string tower, string[] rest) => rest is not [_, var kind]
        ? throw new CheckpointFormatException(source, name, "is not an L0-module entry of the form l0_module.<name>")
        : kind switch
        {
            "hidden_loga" => MaskedStudent.MaskPrefix + TowerMaskSet.HiddenName(tower),
            "heads_loga" => MaskedStudent.MaskPrefix + TowerMaskSet.HeadsName(tower),
            "intermediate_loga" => MaskedStudent.MaskPrefix + TowerMaskSet.IntermediateName(tower),
            "lambda_1" or "lambda_2" => null,
            "mha_loga" or "ffn_loga" => throw new CheckpointFormatException(source, name,
                "is a whole-layer mask (the L0 module's 'layer' pruning type), which this program cannot represent; it prunes hidden dims, heads and MLP neurons, the three types TinyCLIP's own runs learn"),
            _ => throw new CheckpointFormatException(source, name, "is an L0-module entry of a kind this program does not know"),
        };

    static string FirstSegment(string name)
    {
        var segments = name.Split('.');
        return segments[0] == DataParallelSegment && segments.Length > 1 ? segments[1] : segments[0];
    }
}

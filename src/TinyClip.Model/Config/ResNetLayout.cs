namespace TinyClip.Model;

/// <summary>
/// The <c>visual.*</c> state-dict entries of OpenCLIP's ModifiedResNet: the stem (<c>conv1..3</c>, <c>bn1..3</c>),
/// <c>layer1..4</c> of Bottleneck blocks, <c>attnpool</c>. Every BatchNorm adds its running mean and variance and
/// its int64 batch counter as buffers.
/// </summary>
public static class ResNetLayout
{
    public static void Add(List<ParameterEntry> list, VisionConfig v, int embedDim)
    {
        var depths = v.ResNet ?? throw new ArgumentException("not a ModifiedResNet config");
        long width = v.Width, half = v.Width / 2;
        list.Add(new("visual.conv1.weight", [half, 3, 3, 3]));
        AddBatchNorm(list, "visual.bn1", half);
        list.Add(new("visual.conv2.weight", [half, half, 3, 3]));
        AddBatchNorm(list, "visual.bn2", half);
        list.Add(new("visual.conv3.weight", [width, half, 3, 3]));
        AddBatchNorm(list, "visual.bn3", width);
        long inPlanes = width;
        var stageDepths = depths.AsList();
        for (int stage = 0; stage < stageDepths.Count; stage++)
        {
            long planes = width << stage;
            for (int block = 0; block < stageDepths[stage]; block++)
            {
                AddBottleneck(list, $"visual.layer{stage + 1}.{block}", inPlanes, planes, stride: block == 0 && stage > 0 ? 2 : 1);
                inPlanes = planes * Bottleneck.Expansion;
            }
        }
        long feature = v.ResNetFeatureWidth;
        list.Add(new("visual.attnpool.positional_embedding", [v.Tokens, feature]));
        foreach (var projection in new[] { "k_proj", "q_proj", "v_proj" })
        {
            list.Add(new($"visual.attnpool.{projection}.weight", [feature, feature]));
            list.Add(new($"visual.attnpool.{projection}.bias", [feature]));
        }
        list.Add(new("visual.attnpool.c_proj.weight", [embedDim, feature]));
        list.Add(new("visual.attnpool.c_proj.bias", [embedDim]));
    }

    static void AddBottleneck(List<ParameterEntry> list, string p, long inPlanes, long planes, int stride)
    {
        long output = planes * Bottleneck.Expansion;
        list.Add(new($"{p}.conv1.weight", [planes, inPlanes, 1, 1]));
        AddBatchNorm(list, $"{p}.bn1", planes);
        list.Add(new($"{p}.conv2.weight", [planes, planes, 3, 3]));
        AddBatchNorm(list, $"{p}.bn2", planes);
        list.Add(new($"{p}.conv3.weight", [output, planes, 1, 1]));
        AddBatchNorm(list, $"{p}.bn3", output);
        if (!Bottleneck.HasShortcutProjection(inPlanes, planes, stride)) return;
        list.Add(new($"{p}.downsample.0.weight", [output, inPlanes, 1, 1]));
        AddBatchNorm(list, $"{p}.downsample.1", output);
    }

    static void AddBatchNorm(List<ParameterEntry> list, string p, long channels)
    {
        list.Add(new($"{p}.weight", [channels]));
        list.Add(new($"{p}.bias", [channels]));
        list.Add(new($"{p}.running_mean", [channels], Buffer: true));
        list.Add(new($"{p}.running_var", [channels], Buffer: true));
        list.Add(new($"{p}.num_batches_tracked", [], Buffer: true));
    }
}

namespace TinyClip.Model;

/// <summary>One entry of a state dict: OpenCLIP name and shape; <see cref="Buffer"/> marks BatchNorm statistics, which are not parameters.</summary>
public sealed record ParameterEntry(string Name, long[] Shape, bool Buffer = false)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Parameter counts. <see cref="Text"/> includes the token embedding (as OpenCLIP counts it);
/// TinyCLIP's model names ("Text-29M") count the text tower without it, see <see cref="TextWithoutTokenEmbedding"/>.
/// logit_scale belongs to neither tower.
/// </summary>
public sealed record ParameterCounts(long Image, long Text, long TokenEmbedding)
{
    public long TextWithoutTokenEmbedding => Text - TokenEmbedding;
    public long Total => Image + Text + 1;
}

/// <summary>
/// The OpenCLIP state-dict layout of a config, computed without allocating tensors. ClipModel's own
/// parameters and buffers must match it exactly (a test checks), so it doubles as the key list for huge presets.
/// </summary>
public static class ClipLayout
{
    public static IReadOnlyList<ParameterEntry> Entries(ClipConfig config)
    {
        var v = config.Vision;
        var t = config.Text;
        var list = new List<ParameterEntry>();
        if (v.IsResNet) ResNetLayout.Add(list, v, config.EmbedDim);
        else AddVisionTransformer(list, v, config.EmbedDim);
        list.Add(new("positional_embedding", [t.ContextLength, t.Width]));
        list.Add(new("text_projection", [t.Width, config.EmbedDim]));
        list.Add(new("logit_scale", []));
        list.Add(new("token_embedding.weight", [t.VocabSize, t.Width]));
        AddBlocks(list, "transformer.resblocks", t.Tower);
        list.Add(new("ln_final.weight", [t.Width]));
        list.Add(new("ln_final.bias", [t.Width]));
        return list;
    }

    public static ParameterCounts Count(ClipConfig config)
    {
        long image = 0, text = 0;
        foreach (var e in Entries(config))
        {
            if (e.Buffer) continue;
            if (e.Name.StartsWith("visual.", StringComparison.Ordinal)) image += e.Count;
            else if (e.Name != "logit_scale") text += e.Count;
        }
        return new ParameterCounts(image, text, (long)config.Text.VocabSize * config.Text.Width);
    }

    static void AddVisionTransformer(List<ParameterEntry> list, VisionConfig v, int embedDim)
    {
        list.Add(new("visual.class_embedding", [v.Width]));
        list.Add(new("visual.positional_embedding", [v.Tokens, v.Width]));
        list.Add(new("visual.proj", [v.Width, embedDim]));
        list.Add(new("visual.conv1.weight", [v.Width, 3, v.PatchSize, v.PatchSize]));
        list.Add(new("visual.ln_pre.weight", [v.Width]));
        list.Add(new("visual.ln_pre.bias", [v.Width]));
        AddBlocks(list, "visual.transformer.resblocks", v.Tower);
        list.Add(new("visual.ln_post.weight", [v.Width]));
        list.Add(new("visual.ln_post.bias", [v.Width]));
    }

    static void AddBlocks(List<ParameterEntry> list, string prefix, TowerShape tower)
    {
        long c = tower.Width;
        for (int i = 0; i < tower.Layers; i++)
        {
            var block = tower.Blocks[i];
            string p = $"{prefix}.{i}";
            if (block.Heads > 0)
            {
                long attention = (long)block.Heads * tower.HeadWidth;
                list.Add(new($"{p}.ln_1.weight", [c]));
                list.Add(new($"{p}.ln_1.bias", [c]));
                list.Add(new($"{p}.attn.in_proj_weight", [3 * attention, c]));
                list.Add(new($"{p}.attn.in_proj_bias", [3 * attention]));
                list.Add(new($"{p}.attn.out_proj.weight", [c, attention]));
                list.Add(new($"{p}.attn.out_proj.bias", [c]));
            }
            if (block.MlpWidth > 0)
            {
                list.Add(new($"{p}.ln_2.weight", [c]));
                list.Add(new($"{p}.ln_2.bias", [c]));
                list.Add(new($"{p}.mlp.c_fc.weight", [block.MlpWidth, c]));
                list.Add(new($"{p}.mlp.c_fc.bias", [block.MlpWidth]));
                list.Add(new($"{p}.mlp.c_proj.weight", [c, block.MlpWidth]));
                list.Add(new($"{p}.mlp.c_proj.bias", [c]));
            }
        }
    }
}

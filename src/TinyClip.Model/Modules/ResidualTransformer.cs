using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>The block stack of one tower (OpenCLIP's Transformer; renamed to avoid TorchSharp.Modules.Transformer); its keys are <c>transformer.resblocks.{i}</c>.</summary>
public sealed class ResidualTransformer : nn.Module
{
    readonly ModuleList<ResidualAttentionBlock> resblocks;
    readonly ResidualAttentionBlock[] blocks; // typed view of resblocks (ModuleList is not an IReadOnlyList)
    readonly bool causal;

    public ResidualTransformer(TowerShape shape, bool causal, bool quickGelu) : base(nameof(ResidualTransformer))
    {
        blocks = shape.Blocks.Select(b => new ResidualAttentionBlock(shape.Width, shape.HeadWidth, b, quickGelu)).ToArray();
        resblocks = new ModuleList<ResidualAttentionBlock>(blocks);
        this.causal = causal;
        Width = shape.Width;
        RegisterComponents();
    }

    public int Width { get; }

    public IReadOnlyList<ResidualAttentionBlock> Blocks => blocks;

    /// <summary>Whether forwards with a graph keep only each block's input and recompute the block in the backward.</summary>
    public bool CheckpointActivations { get; set; }

    /// <param name="x">(N, T, C)</param>
    public Tensor Forward(Tensor x, TowerMasks? masks)
    {
        using var scope = NewDisposeScope();
        bool checkpoint = CheckpointActivations && is_grad_enabled();
        for (int i = 0; i < blocks.Length; i++)
        {
            var block = blocks[i];
            x = checkpoint
                ? ActivationCheckpoint.Run(inputs => block.Forward(inputs[0]!, causal, inputs[1], inputs[2], inputs[3]),
                    x, masks?.HeadsOf(i), masks?.IntermediateOf(i), masks?.Hidden)
                : block.Forward(x, causal, masks?.HeadsOf(i), masks?.IntermediateOf(i), masks?.Hidden);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>OpenCLIP's init for text block weights (CLIP.init_parameters): normal with depth-scaled stds; biases keep <see cref="InitDefault"/>.</summary>
    internal void InitTextStyle(Generator g)
    {
        double attnStd = Math.Pow(Width, -0.5);
        double projStd = attnStd * Math.Pow(2 * Math.Max(1, Blocks.Count), -0.5);
        double fcStd = Math.Pow(2 * Width, -0.5);
        foreach (var block in Blocks)
        {
            if (block.Attention is { } a)
            {
                ParameterInit.Normal(a.InProjWeight, attnStd, g);
                ParameterInit.Normal(a.OutProj.weight, projStd, g);
            }
            if (block.Mlp is { } m)
            {
                ParameterInit.Normal(m.Fc.weight, fcStd, g);
                ParameterInit.Normal(m.Proj.weight, projStd, g);
            }
        }
    }

    /// <summary>PyTorch defaults, which OpenCLIP keeps for image blocks: xavier in_proj, fan-in uniform linears, zero attention biases.</summary>
    internal void InitDefault(Generator g)
    {
        foreach (var block in Blocks)
        {
            if (block.Attention is { } a)
            {
                ParameterInit.XavierUniform(a.InProjWeight, g);
                ParameterInit.Zeros(a.InProjBias);
                ParameterInit.FanInUniform(a.OutProj.weight, a.OutProj.weight.shape[1], g);
                ParameterInit.Zeros(a.OutProj.bias!);
            }
            if (block.Mlp is { } m)
            {
                foreach (var linear in new[] { m.Fc, m.Proj })
                {
                    ParameterInit.FanInUniform(linear.weight, linear.weight.shape[1], g);
                    ParameterInit.FanInUniform(linear.bias!, linear.weight.shape[1], g);
                }
            }
        }
    }
}

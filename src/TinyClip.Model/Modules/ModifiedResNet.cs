using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// OpenCLIP's ModifiedResNet image tower (<c>visual.*</c>): a stem of three 3x3 convolutions (the first strided),
/// each with BatchNorm and ReLU, then a 2x2 average pool; four stages of <see cref="Bottleneck"/> blocks
/// (<c>layer1</c>..<c>layer4</c>, planes width, 2x, 4x, 8x, stages 2-4 strided); <see cref="AttentionPool2d"/>
/// (<c>attnpool</c>) to the embedding. BatchNorm follows the module's train()/eval() state: batch statistics
/// (and running-statistics updates) while training, running statistics in eval mode.
/// </summary>
public sealed class ModifiedResNet : ImageTower
{
    readonly Conv2d conv1;
    readonly HeldBatchNorm2d bn1;
    readonly Conv2d conv2;
    readonly HeldBatchNorm2d bn2;
    readonly Conv2d conv3;
    readonly HeldBatchNorm2d bn3;
    readonly ModuleList<Bottleneck> layer1;
    readonly ModuleList<Bottleneck> layer2;
    readonly ModuleList<Bottleneck> layer3;
    readonly ModuleList<Bottleneck> layer4;
    readonly AttentionPool2d attnpool;

    public ModifiedResNet(VisionConfig config, int embedDim) : base(nameof(ModifiedResNet), config)
    {
        var depths = config.ResNet ?? throw new ArgumentException("not a ModifiedResNet config (VisionConfig.ResNet is unset)");
        int width = config.Width;
        conv1 = nn.Conv2d(3, width / 2, 3, stride: 2, padding: 1, bias: false);
        bn1 = new HeldBatchNorm2d(width / 2);
        conv2 = nn.Conv2d(width / 2, width / 2, 3, padding: 1, bias: false);
        bn2 = new HeldBatchNorm2d(width / 2);
        conv3 = nn.Conv2d(width / 2, width, 3, padding: 1, bias: false);
        bn3 = new HeldBatchNorm2d(width);
        int inPlanes = width;
        layer1 = Stage(ref inPlanes, width, depths.Stage1, stride: 1);
        layer2 = Stage(ref inPlanes, width * 2, depths.Stage2, stride: 2);
        layer3 = Stage(ref inPlanes, width * 4, depths.Stage3, stride: 2);
        layer4 = Stage(ref inPlanes, width * 8, depths.Stage4, stride: 2);
        attnpool = new AttentionPool2d(config.Tokens, config.ResNetFeatureWidth, config.Heads, embedDim);
        RegisterComponents();
    }

    /// <summary>A stage's blocks: the first takes <paramref name="inPlanes"/> and strides, the rest keep 4x <paramref name="planes"/>.</summary>
    static ModuleList<Bottleneck> Stage(ref int inPlanes, int planes, int blocks, int stride)
    {
        var list = new ModuleList<Bottleneck>();
        for (int i = 0; i < blocks; i++)
        {
            list.Add(new Bottleneck(inPlanes, planes, i == 0 ? stride : 1));
            inPlanes = planes * Bottleneck.Expansion;
        }
        return list;
    }

    IEnumerable<ModuleList<Bottleneck>> Stages()
    {
        yield return layer1;
        yield return layer2;
        yield return layer3;
        yield return layer4;
    }

    /// <summary>No transformer blocks to checkpoint; OpenCLIP's ModifiedResNet ignores the setting too.</summary>
    public override bool CheckpointActivations { get => false; set { } }

    internal override void Init(Generator g)
    {
        foreach (var conv in new[] { conv1, conv2, conv3 }) ParameterInit.ConvolutionDefault(conv, g);
        foreach (var block in Stages().SelectMany(s => s)) block.Init(g);
        attnpool.Init(g);
    }

    public override Tensor Forward(Tensor images, TowerMasks? masks)
    {
        if (masks is not null)
            throw new NotSupportedException("structured masks (automatic inheritance) cover transformer towers; a ModifiedResNet image tower has none");
        using var scope = NewDisposeScope();
        EnsureImageShape(images);
        var x = nn.functional.relu(bn1.forward(conv1.forward(InConvolutionLayout(images))));
        x = nn.functional.relu(bn2.forward(conv2.forward(x)));
        x = nn.functional.relu(bn3.forward(conv3.forward(x)));
        x = nn.functional.avg_pool2d(x, 2);
        foreach (var block in Stages().SelectMany(s => s)) x = block.Forward(x);
        return attnpool.Forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// On the CPU, <paramref name="images"/> in the channels-last layout (NHWC strides, the same NCHW shape); every
    /// convolution, BatchNorm, ReLU and pool after it keeps that layout. In the NCHW layout, libtorch 2.10's oneDNN
    /// convolutions pad a channel count that is not a multiple of the vector width (16 floats with AVX-512) and read
    /// that padding uninitialised when they compute a convolution's input gradient: a 3x3 convolution with, say, 8 or
    /// 24 output channels then gave gradients that changed from run to run, often NaN. Channels-last takes oneDNN's
    /// unpadded path. Other devices keep their own layout.
    /// </summary>
    static Tensor InConvolutionLayout(Tensor images) =>
        images.device_type == DeviceType.CPU ? images.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : images;
}

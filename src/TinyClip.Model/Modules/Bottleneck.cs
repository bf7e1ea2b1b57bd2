using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>
/// OpenCLIP's ModifiedResNet block: 1x1 conv, 3x3 conv, (avgpool when strided), 1x1 conv to 4x the planes, each
/// with BatchNorm, ReLU after the sum. Anti-aliased: every convolution has stride 1 and the stride is an average
/// pool, before conv3 on the main path and before the 1x1 conv on the shortcut. The shortcut (<c>downsample.0</c>
/// conv, <c>downsample.1</c> BatchNorm; OpenCLIP's parameter-free pool is its <c>downsample.-1</c>) exists where
/// the block strides or changes the width, as in OpenCLIP.
/// </summary>
public sealed class Bottleneck : nn.Module
{
    public const int Expansion = 4;

    readonly Conv2d conv1;
    readonly HeldBatchNorm2d bn1;
    readonly Conv2d conv2;
    readonly HeldBatchNorm2d bn2;
    readonly Conv2d conv3;
    readonly HeldBatchNorm2d bn3;
    readonly Sequential? downsample;
    readonly int stride;

    public Bottleneck(int inPlanes, int planes, int stride) : base(nameof(Bottleneck))
    {
        this.stride = stride;
        conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = new HeldBatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = new HeldBatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = new HeldBatchNorm2d(planes * Expansion);
        if (HasShortcutProjection(inPlanes, planes, stride))
            downsample = nn.Sequential(
                ("0", nn.Conv2d(inPlanes, planes * Expansion, 1, bias: false)),
                ("1", new HeldBatchNorm2d(planes * Expansion)));
        RegisterComponents();
    }

    /// <summary>Whether a block has the <c>downsample</c> shortcut (a strided block or one that changes the width).</summary>
    public static bool HasShortcutProjection(long inPlanes, long planes, int stride) => stride > 1 || inPlanes != planes * Expansion;

    /// <summary>OpenCLIP's init: PyTorch's conv and BatchNorm defaults, then bn3's scale zeroed so the block starts as its shortcut.</summary>
    internal void Init(Generator g)
    {
        foreach (var conv in Convolutions()) ParameterInit.ConvolutionDefault(conv, g);
        ParameterInit.Zeros(bn3.weight!);
    }

    IEnumerable<Conv2d> Convolutions()
    {
        yield return conv1;
        yield return conv2;
        yield return conv3;
        if (downsample is not null) yield return (Conv2d)downsample[0];
    }

    /// <param name="x">(N, C_in, H, W)</param>
    /// <returns>(N, 4 * planes, H / stride, W / stride)</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.relu(bn1.forward(conv1.forward(x)));
        y = nn.functional.relu(bn2.forward(conv2.forward(y)));
        y = bn3.forward(conv3.forward(Pool(y)));
        var identity = downsample is null ? x : downsample.forward(Pool(x));
        return nn.functional.relu(y.Plus(identity)).MoveToOuterDisposeScope();
    }

    Tensor Pool(Tensor x) => stride > 1 ? nn.functional.avg_pool2d(x, stride) : x;
}

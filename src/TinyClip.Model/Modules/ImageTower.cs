using TorchSharp;
using static TorchSharp.torch;

namespace TinyClip.Model;

/// <summary>What <see cref="ClipModel"/> needs of its <c>visual</c> module, a ViT or a ModifiedResNet.</summary>
public abstract class ImageTower : nn.Module
{
    protected ImageTower(string name, VisionConfig config) : base(name) => Config = config;

    public VisionConfig Config { get; }

    /// <summary>Activation checkpointing of the tower's transformer blocks, where it has any.</summary>
    public abstract bool CheckpointActivations { get; set; }

    /// <summary>OpenCLIP's init for this tower, every draw from <paramref name="g"/>.</summary>
    internal abstract void Init(Generator g);

    /// <param name="images">(N, 3, H, W) float, H = W = image size</param>
    /// <param name="masks">structured masks of automatic inheritance, for towers that support them</param>
    /// <returns>(N, E) unnormalised image embeddings</returns>
    public abstract Tensor Forward(Tensor images, TowerMasks? masks);

    protected void EnsureImageShape(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] != Config.ImageSize || images.shape[3] != Config.ImageSize)
            throw new ArgumentException($"expected images of shape [N, 3, {Config.ImageSize}, {Config.ImageSize}], got [{string.Join(", ", images.shape)}]");
    }
}

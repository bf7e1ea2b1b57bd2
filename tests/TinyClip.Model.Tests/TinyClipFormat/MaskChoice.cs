using TinyClip.Model;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.TinyClipFormat;

/// <summary>
/// Log-alphas for the tiny test model (width 32, 2 layers of 2 heads and 128 MLP neurons per tower) whose deterministic
/// masks are known by hand. Removed entries hold -10 (P(z &gt; 0) = sigmoid(-10 + 1.5986) = 0.0002), kept ones 2 or 5 and
/// up (P = 0.973, 0.9986), so each row's expected number of zeros, n - sum P, rounds to exactly the number removed:
/// hidden 8 x 0.9998 + 8 x 0.027 + 16 x 0.0014 = 8.24 -> 8; MLP rows 28 x 0.9998 + 100 x 0.0014 = 28.13 -> 28; a head
/// row [-10, 5] gives 1.0016 -> 1 and [3, 5] 0.011 -> 0. Kept entries keep the fraction sigmoid(1.2 log-alpha)
/// (0.917 at 2), which pruning folds into the weights.
/// </summary>
sealed record MaskChoice(Tensor ImageHidden, Tensor ImageHeads, Tensor ImageIntermediate, Tensor TextHidden, Tensor TextHeads, Tensor TextIntermediate)
{
    const float Removed = -10;

    /// <summary>Hidden dims kept in both towers: every index but 1, 5, 9, ...</summary>
    public static Tensor KeptHidden => arange(32).masked_select(arange(32).remainder(4).ne(1));

    /// <summary>MLP neurons kept in the masked rows: every index whose remainder by 32 is 7 or more.</summary>
    public static Tensor KeptNeurons => arange(128).masked_select(arange(128).remainder(32).ge(7));

    public static MaskChoice Create()
    {
        var hidden = tensor(Enumerable.Range(0, 32).Select(i => i % 4 == 1 ? Removed : i % 4 == 0 ? 2f : 5f).ToArray());
        var neurons = Enumerable.Range(0, 128).Select(i => i % 32 < 7 ? Removed : 5f + i % 3).ToArray();
        var allKept = Enumerable.Range(0, 128).Select(i => 5f + i % 3).ToArray();
        var intermediateRemovedLayer = Enumerable.Repeat(Removed, 128).ToArray();
        return new MaskChoice(
            ImageHidden: hidden,
            // Image: layer 0 keeps both heads, layer 1 loses head 0; layer 0 keeps 100 MLP neurons, layer 1 none.
            ImageHeads: tensor(new[] { 3f, 5f, Removed, 5f }).view(2, 2),
            ImageIntermediate: tensor(neurons.Concat(intermediateRemovedLayer).ToArray()).view(2, 128),
            TextHidden: hidden.clone(),
            // Text: layer 1 loses both heads (its attention sub-layer goes); layer 0 keeps 100 neurons, layer 1 all.
            TextHeads: tensor(new[] { 5f, 5f, Removed, Removed }).view(2, 2),
            TextIntermediate: tensor(neurons.Concat(allKept).ToArray()).view(2, 128));
    }

    /// <summary>These log-alphas as the L0 modules of the image tower and, unless <paramref name="text"/> is false, the text tower.</summary>
    public void AddTo(System.Collections.Hashtable state, bool ddp, bool text = true)
    {
        TinyClipPickles.AddL0Module(state, "_image_encoder", ddp, ImageHidden, ImageHeads, ImageIntermediate);
        if (text) TinyClipPickles.AddL0Module(state, "_text_encoder", ddp, TextHidden, TextHeads, TextIntermediate);
    }

    /// <summary>The masks TinyCLIP's evaluation mode computes for these log-alphas, derived above rather than by the code under test.</summary>
    public StudentMasks ExpectedMasks() => new(
        new TowerMasks(Expected(ImageHeads), Expected(ImageIntermediate), Expected(ImageHidden)),
        new TowerMasks(Expected(TextHeads), Expected(TextIntermediate), Expected(TextHidden)));

    /// <summary>sigmoid(log-alpha / temperature (2/3) x 0.8) where kept, 0 where removed.</summary>
    static Tensor Expected(Tensor logAlpha) => sigmoid(logAlpha * (0.8 / (2.0 / 3.0))) * logAlpha.gt(Removed).to(float32);
}

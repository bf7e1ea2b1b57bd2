namespace TinyClip.Data.Layouts;

/// <summary>What a dataset is read for, which decides the columns a file must have.</summary>
public enum DatasetUse
{
    /// <summary>Image-text pairs: every file needs an image and a caption column.</summary>
    Training,
    /// <summary>A held-out set: image-text pairs, or labelled images without captions (zero-shot classification only,
    /// e.g. Hugging Face's imagenet-1k: <c>image</c> struct + <c>label</c>).</summary>
    Evaluation,
}

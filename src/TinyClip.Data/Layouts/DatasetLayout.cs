namespace TinyClip.Data.Layouts;

/// <summary>The Parquet conventions a file follows, as detected from its schema.</summary>
public enum DatasetLayout
{
    /// <summary><c>jpg</c> binary + <c>caption</c> (+ <c>key</c>, <c>status</c>).</summary>
    Img2Dataset,
    /// <summary><c>image</c> struct <c>{bytes, path}</c> + <c>text</c> or <c>caption</c>.</summary>
    HuggingFace,
    /// <summary><c>TEXT</c> + an image column.</summary>
    Laion,
    /// <summary>Image and caption columns named in settings.</summary>
    Custom,
}

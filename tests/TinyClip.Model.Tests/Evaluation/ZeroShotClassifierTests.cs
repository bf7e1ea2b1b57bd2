using TinyClip.Model.Evaluation;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Evaluation;

public class ZeroShotClassifierTests
{
    [Fact]
    public void ClassVectorIsTheRenormalisedMeanOfNormalisedPromptEmbeddings()
    {
        using var scope = NewDisposeScope();
        // Unnormalised on purpose: averaging raw vectors would give cat = normalise([1, 0.5, 0]).
        var embeddings = new Dictionary<string, double[]>
        {
            ["a photo of a cat."] = new double[] { 2, 0, 0 },
            ["cat art"] = new double[] { 0, 1, 0 },
            ["a photo of a dog."] = new double[] { 0, 0, 3 },
            ["dog art"] = new double[] { 0, 0, 1 },
        };
        var seen = new List<string>();
        Tensor Encode(IReadOnlyList<string> prompts)
        {
            seen.AddRange(prompts);
            return stack(prompts.Select(p => tensor(embeddings[p])).ToList());
        }

        using var classifier = ZeroShotClassifier.Build(Encode, new[] { "cat", "dog" }, new[] { "a photo of a {}.", "{c} art" });

        Assert.Equal(embeddings.Keys.OrderBy(k => k), seen.OrderBy(k => k));
        var r = 1 / Math.Sqrt(2);
        var expected = new[] { r, r, 0, 0, 0, 1 };
        var actual = classifier.ClassVectors.data<double>().ToArray();
        Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 12));
    }

    [Fact]
    public void TemplateWithoutPlaceholderIsRejected() =>
        Assert.Throws<ArgumentException>(() => ZeroShotClassifier.FillTemplate("a photo", "cat"));

    [Fact]
    public void LogitsAre100TimesCosine()
    {
        using var scope = NewDisposeScope();
        using var classifier = BasisClassifier(classCount: 2);
        // Image [3, 4] has cosine 0.6 with class 0 and 0.8 with class 1.
        var logits = classifier.Logits(tensor(new double[] { 3, 4 }, new long[] { 1, 2 })).data<double>().ToArray();
        Assert.Equal(60.0, logits[0], 10);
        Assert.Equal(80.0, logits[1], 10);
    }

    [Fact]
    public void TopOneAndTopFiveOnConstructedScores()
    {
        using var scope = NewDisposeScope();
        using var classifier = BasisClassifier(classCount: 6);
        // Class c's score is the image's component c. Rank of the true class (0-based):
        // image 0, label 0: 6 is the largest            -> rank 0 (top-1, top-5)
        // image 1, label 1: 6 is the largest            -> rank 0 (top-1, top-5)
        // image 2, label 2: 1 is the smallest of six    -> rank 5 (neither)
        // image 3, label 3: 2 is below 6, 5, 4, 3       -> rank 4 (top-5 only)
        var images = tensor(new double[]
        {
            6, 5, 4, 3, 2, 1,
            5, 6, 4, 3, 2, 1,
            6, 5, 1, 4, 3, 2,
            6, 5, 4, 2, 3, 1,
        }, new long[] { 4, 6 });

        var result = classifier.Evaluate(images, new long[] { 0, 1, 2, 3 });

        Assert.Equal(new ZeroShotResult(0.5, 0.75, 4), result);
    }

    [Fact]
    public void TiesCountAgainstTheTrueClass()
    {
        using var scope = NewDisposeScope();
        using var classifier = BasisClassifier(classCount: 6);
        var result = classifier.Evaluate(tensor(new double[] { 1, 1, 0, 0, 0, 0 }, new long[] { 1, 6 }), new long[] { 0 });
        Assert.Equal(0.0, result.Top1);
        Assert.Equal(1.0, result.Top5);
    }

    [Fact]
    public void TopFiveWithFewerThanFiveClassesCoversAllClasses()
    {
        using var scope = NewDisposeScope();
        using var classifier = BasisClassifier(classCount: 3);
        // True class 2 has the lowest score: rank 2 of 3 classes.
        var result = classifier.Evaluate(tensor(new double[] { 3, 2, 1 }, new long[] { 1, 3 }), new long[] { 2 });
        Assert.Equal(new ZeroShotResult(0.0, 1.0, 1), result);
    }

    [Fact]
    public void CombineWeighsByCount()
    {
        var combined = ZeroShotResult.Combine(new ZeroShotResult(0.5, 1.0, 2), new ZeroShotResult(0.0, 0.5, 6));
        Assert.Equal(0.125, combined.Top1, 12);
        Assert.Equal(0.625, combined.Top5, 12);
        Assert.Equal(8, combined.Count);
    }

    // Class i's single prompt "class{i}" encodes to the basis vector e_i.
    private static ZeroShotClassifier BasisClassifier(int classCount)
    {
        var names = Enumerable.Range(0, classCount).Select(i => $"class{i}").ToList();
        Tensor Encode(IReadOnlyList<string> prompts) =>
            stack(prompts.Select(p => eye(classCount, dtype: ScalarType.Float64)[names.IndexOf(p)]).ToList());
        return ZeroShotClassifier.Build(Encode, names, new[] { "{}" });
    }
}

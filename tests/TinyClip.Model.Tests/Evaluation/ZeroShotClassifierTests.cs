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

        // One image a class: classes 0 and 1 recalled, 2 and 3 not.
        Assert.Equal(new ZeroShotResult(0.5, 0.75, 0.5, 4), result);
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
        Assert.Equal(new ZeroShotResult(0.0, 1.0, 0.0, 1), result);
    }

    [Fact]
    public void An_ensemble_of_two_templates_gives_the_class_vectors_and_logits_computed_by_hand()
    {
        using var scope = NewDisposeScope();
        var embeddings = new Dictionary<string, double[]>
        {
            ["a photo of a cat."] = [3, 4], ["a drawing of a cat."] = [1, 0],
            ["a photo of a dog."] = [0, 2], ["a drawing of a dog."] = [-1, 1],
        };
        using var classifier = ZeroShotClassifier.Build(prompts => stack(prompts.Select(p => tensor(embeddings[p])).ToList()),
            ["cat", "dog"], ["a photo of a {}.", "a drawing of a {}."]);

        // cat: mean of (0.6, 0.8) and (1, 0) is (0.8, 0.4), renormalised (2, 1)/sqrt(5).
        // dog: mean of (0, 1) and (-1, 1)/sqrt(2) is (-0.35355, 0.85355), renormalised (-sin 22.5 deg, cos 22.5 deg).
        double sin = Math.Sin(Math.PI / 8), cos = Math.Cos(Math.PI / 8);
        double[] expected = [2 / Math.Sqrt(5), 1 / Math.Sqrt(5), -sin, cos];
        Assert.All(expected.Zip(classifier.ClassVectors.data<double>().ToArray()), pair => Assert.Equal(pair.First, pair.Second, 12));
        // Image (1, 1) normalised: 100 * cosine = 100 * 3/sqrt(10) with cat, 100 * (cos - sin)/sqrt(2) = 100 * sin 22.5 deg with dog.
        var logits = classifier.Logits(tensor(new double[] { 1, 1 }, new long[] { 1, 2 })).data<double>().ToArray();
        Assert.Equal(100 * 3 / Math.Sqrt(10), logits[0], 10);
        Assert.Equal(100 * sin, logits[1], 10);
    }

    [Fact]
    public void Mean_per_class_recall_weighs_classes_alike_and_leaves_out_classes_without_images()
    {
        using var scope = NewDisposeScope();
        using var classifier = BasisClassifier(classCount: 6);
        // Image rows are one-hot at the predicted class. Class 0: four images, three right; class 1: two images, one right;
        // classes 2-5 have no image. Top-1 = 4/6; per-class recall = (3/4 + 1/2) / 2; every wrong image's label ties with
        // four other zero scores at rank 5, outside the top 5.
        long[] predicted = [0, 0, 0, 3, 1, 4];
        long[] labels = [0, 0, 0, 0, 1, 1];
        var images = stack(predicted.Select(p => eye(6, dtype: ScalarType.Float64)[p]).ToList());

        var result = classifier.Evaluate(images, labels);

        Assert.Equal(4.0 / 6, result.Top1, 12);
        Assert.Equal(4.0 / 6, result.Top5, 12);
        Assert.Equal((0.75 + 0.5) / 2, result.MeanPerClassRecall, 12);
    }

    [Fact]
    public void A_set_scored_in_several_chunks_counts_every_image_once()
    {
        using var scope = NewDisposeScope();
        const int classes = 1000, images = 2500;
        // 1,000 classes make chunks of 1,048 images (QueryChunks): three chunks, the last short.
        Assert.Equal(3, QueryChunks.Of(images, classes).Count());
        using var classifier = BasisClassifier(classCount: classes, ScalarType.Float32);
        // Image i points at class i mod 1000; every third image is labelled with the next class instead (rank 999: a miss).
        var predicted = Enumerable.Range(0, images).Select(i => (long)(i % classes)).ToArray();
        var labels = Enumerable.Range(0, images).Select(i => i % 3 == 0 ? (i + 1L) % classes : i % classes).ToArray();
        var embeddings = zeros(images, classes).index_put_(1f, tensor(Enumerable.Range(0, images).Select(i => (long)i).ToArray()), tensor(predicted));

        var result = classifier.Evaluate(embeddings, labels);

        var perClass = labels.Zip(predicted).GroupBy(pair => pair.First).Select(g => g.Count(pair => pair.First == pair.Second) / (double)g.Count());
        Assert.Equal(images - 834, result.Top1 * images, 6);  // 834 multiples of 3 below 2,500
        Assert.Equal(result.Top1, result.Top5, 12);
        Assert.Equal(perClass.Average(), result.MeanPerClassRecall, 12);
        Assert.Equal(images, result.Count);
    }

    // Class i's single prompt "class{i}" encodes to the basis vector e_i.
    private static ZeroShotClassifier BasisClassifier(int classCount, ScalarType type = ScalarType.Float64)
    {
        var names = Enumerable.Range(0, classCount).Select(i => $"class{i}").ToList();
        Tensor Encode(IReadOnlyList<string> prompts) => eye(classCount, dtype: type).index_select(0, tensor(prompts.Select(p => (long)names.IndexOf(p)).ToArray()));
        return ZeroShotClassifier.Build(Encode, names, new[] { "{}" });
    }
}

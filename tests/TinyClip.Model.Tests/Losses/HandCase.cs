using TinyClip.Model.Losses;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.Losses;

/// <summary>
/// A 2-pair, 2-dim case small enough to work out on paper (float64, features already unit length).
/// Student: Is = [[1,0],[0,1]], Ts = [[0.6,0.8],[0,1]] so Is Ts^T = [[0.6,0],[0.8,1]] and
/// Ts Is^T = [[0.6,0.8],[0,1]]. Teacher: It = [[1,0],[0,1]], Tt = [[1,0],[0.8,0.6]] so
/// It Tt^T = [[1,0.8],[0,0.6]] and Tt It^T = [[1,0],[0.8,0.6]]. Student scale 2, teacher scale 1:
/// the two are deliberately different and the matrices not symmetric, so swapped scales or swapped
/// directions change the numbers.
/// </summary>
internal static class HandCase
{
    public const double StudentScale = 2.0;
    public const double TeacherScale = 1.0;

    public static ClipFeatures Student() => new(
        tensor(new double[] { 1, 0, 0, 1 }, new long[] { 2, 2 }),
        tensor(new double[] { 0.6, 0.8, 0, 1 }, new long[] { 2, 2 }));

    public static ClipFeatures Teacher() => new(
        tensor(new double[] { 1, 0, 0, 1 }, new long[] { 2, 2 }),
        tensor(new double[] { 1, 0, 0.8, 0.6 }, new long[] { 2, 2 }));

    // Per row, soft cross-entropy = lse(x) - sum_j p_j x_j with x the student's scaled row and
    // p = softmax(teacher's scaled row); for two columns p = (sigma(y0-y1), sigma(y1-y0)).
    //   i2t row 0: x = [1.2, 0],   y = [1, 0.8] : ln(e^1.2 + 1)      - sigma(0.2)*1.2
    //   i2t row 1: x = [1.6, 2],   y = [0, 0.6] : ln(e^1.6 + e^2)    - (sigma(-0.6)*1.6 + sigma(0.6)*2)
    //   t2i row 0: x = [1.2, 1.6], y = [1, 0]   : ln(e^1.2 + e^1.6)  - (sigma(1)*1.2 + sigma(-1)*1.6)
    //   t2i row 1: x = [0, 2],     y = [0.8,0.6]: ln(1 + e^2)        - sigma(-0.2)*2
    // Full loss = (sum of the four) / 4, evaluated with Python's math module:
    public const double AffinityFull = 0.8725672724981439;
    // Rows form, row 1 only (rowOffset 1, one row): 0.5 * (i2t row 1 + t2i row 1).
    public const double AffinityRow1 = 0.9406743677887816;

    // InfoNCE, label = own column: lse(x) - x_label.
    //   i2t: ln(e^1.2 + 1) - 1.2,  ln(e^1.6 + e^2) - 2;  t2i: ln(e^1.2 + e^1.6) - 1.2,  ln(1 + e^2) - 2
    public const double ClipFull = 0.45406024579522736;
    // Rows form, row 1 only: label 1 (not 0), 0.5 * (ln(e^1.6 + e^2) - 2 + ln(1 + e^2) - 2).
    public const double ClipRow1 = 0.3199716317214627;
}

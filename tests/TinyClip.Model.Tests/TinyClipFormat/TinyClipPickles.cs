using System.Collections;
using System.Text;
using Razorvine.Pickle;
using TinyClip.Model;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TinyClip.Model.Tests.TinyClipFormat;

/// <summary>
/// Writes checkpoints the way TinyCLIP's trainer saves them (src/training/train.py of microsoft/Cream, TinyCLIP):
/// <c>torch.save({"args": argparse.Namespace, "epoch", "iter_in_epoch", "name", "state_dict", "optimizer": [...]})</c>
/// with the model's parts under <c>_image_encoder.</c>, <c>_text_encoder.</c> and <c>_logit_scale.</c>, each
/// DistributedDataParallel-wrapped (<c>.module.</c>) when <c>ddp</c>.
/// </summary>
static class TinyClipPickles
{
    static TinyClipPickles() => Pickler.registerCustomPickler(typeof(ArgparseNamespace), new NamespacePickler());

    /// <summary>TinyCLIP's names for an OpenCLIP-named state dict.</summary>
    public static Hashtable Wrap(IReadOnlyDictionary<string, Tensor> openClip, bool ddp)
    {
        string part = ddp ? ".module." : ".";
        var wrapped = new Hashtable();
        foreach (var (name, tensor) in openClip)
        {
            string key = name == "logit_scale" ? $"_logit_scale{part}logit_scale"
                : name.StartsWith("visual.", StringComparison.Ordinal) ? $"_image_encoder{part}{name}"
                : $"_text_encoder{part}{name}";
            wrapped[key] = tensor;
        }
        return wrapped;
    }

    /// <summary>
    /// Adds one tower's L0 module (TinyCLIP's pruning types hidden, heads and intermediate, plus the Lagrange
    /// multipliers) under <c>{part}.[module.]l0_module.</c>.
    /// </summary>
    public static void AddL0Module(Hashtable state, string part, bool ddp, Tensor hidden, Tensor heads, Tensor intermediate)
    {
        string prefix = ddp ? $"{part}.module.l0_module." : $"{part}.l0_module.";
        state[prefix + "hidden_loga"] = hidden;
        state[prefix + "heads_loga"] = heads;
        state[prefix + "intermediate_loga"] = intermediate;
        state[prefix + "lambda_1"] = tensor(-3.5f);
        state[prefix + "lambda_2"] = tensor(12.25f);
    }

    /// <summary>The whole training checkpoint, with the non-tensor entries TinyCLIP saves next to the state dict.</summary>
    public static void Save(string path, Hashtable state)
    {
        var optimizerState = new Hashtable
        {
            ["state"] = new Hashtable { [0] = new Hashtable { ["step"] = tensor(3f), ["exp_avg"] = zeros(4) } },
            ["param_groups"] = new ArrayList { new Hashtable { ["lr"] = 1e-4, ["weight_decay"] = 0.2, ["params"] = new ArrayList { 0 } } },
        };
        PyTorchPickler.PickleStateDict(path, new Hashtable
        {
            ["args"] = new ArgparseNamespace(new Hashtable { ["lr"] = 1e-4, ["model"] = "ViT-B-32", ["prune_image"] = true }),
            ["epoch"] = 1,
            ["iter_in_epoch"] = 2999,
            ["name"] = "exp_name",
            ["state_dict"] = state,
            ["optimizer"] = new ArrayList { optimizerState },
        });
    }

    /// <summary>The pickle stream of a zip checkpoint (its data.pkl) as Latin-1 text, to see what was written.</summary>
    public static string PickleText(string path)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        using var stream = zip.Entries.Single(e => e.Name == "data.pkl").Open();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return reader.ReadToEnd();
    }

    /// <summary>What TinyCLIP pickles as <c>args</c>: an <c>argparse.Namespace</c> whose attributes are its state.</summary>
    public sealed record ArgparseNamespace(Hashtable Attributes);

    /// <summary>Pickles a Namespace as Python does: GLOBAL argparse.Namespace, NEWOBJ with no arguments, BUILD with its dict.</summary>
    sealed class NamespacePickler : IObjectPickler
    {
        public void pickle(object o, Stream outs, Pickler currentPickler)
        {
            outs.WriteByte(Opcodes.GLOBAL);
            var name = Encoding.ASCII.GetBytes("argparse\nNamespace\n");
            outs.Write(name, 0, name.Length);
            outs.WriteByte(Opcodes.EMPTY_TUPLE);
            outs.WriteByte(Opcodes.NEWOBJ);
            currentPickler.save(((ArgparseNamespace)o).Attributes);
            outs.WriteByte(Opcodes.BUILD);
        }
    }
}

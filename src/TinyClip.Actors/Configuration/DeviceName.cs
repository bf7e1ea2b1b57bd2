using System.Text.RegularExpressions;
using TinyClip.Configuration;
using TorchSharp;

namespace TinyClip.Actors.Configuration;

/// <summary>The devices a setting may name: cpu, cuda or cuda:N.</summary>
public static partial class DeviceName
{
    /// <summary>Whether <paramref name="name"/> is spelled as a device (it may still be absent on this machine).</summary>
    public static bool IsValid(string name) => name == "cpu" || CudaName().IsMatch(name);

    /// <summary>
    /// The device, once this machine is known to have it: a CUDA device needs a CUDA build of libtorch
    /// (<c>-p:TorchBackend=cuda</c>) and a visible GPU with that index.
    /// </summary>
    public static torch.Device Available(string name, string key)
    {
        if (!IsValid(name)) throw new InvalidSettingException(key, $"'{name}' is not a device (cpu, cuda:N)");
        if (name == "cpu") return torch.CPU;
        if (!torch.cuda.is_available())
            throw new InvalidSettingException(key, $"'{name}' was asked for, but CUDA is not available here (a CPU build of libtorch, or no visible GPU); use cpu");
        var device = new torch.Device(name);
        if (device.index >= torch.cuda.device_count())
            throw new InvalidSettingException(key, $"'{name}' was asked for, but this machine has {torch.cuda.device_count()} CUDA device(s)");
        return device;
    }

    [GeneratedRegex(@"^cuda(:\d+)?$")]
    private static partial Regex CudaName();
}

using System.Collections.Concurrent;
using TinyClip.Actors.Collectives;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TinyClip.Actors.Training;

/// <summary>
/// Sums one step's parameter gradients over the group, a bucket of parameters at a time. Overlapped, each bucket's
/// all-reduce runs on a thread of its own as soon as the trainer hands the bucket over, while the trainer's thread
/// goes on with the backward pass of the rest of the model; otherwise the all-reduce runs on the caller's thread. The
/// buckets' calls go out one at a time, in the order they were handed over, so every member makes the same calls in
/// the same order; and since the members' values are added element-wise in rank order whatever the buckets, the sums
/// are bitwise those of one all-reduce of every gradient. Tensors are touched on the trainer's thread only: it copies a
/// bucket into a float array when handing it over and copies the sums back in <see cref="Finish"/>.
/// </summary>
public sealed class GradientExchange : IDisposable
{
    private readonly ICollective _collective;
    private readonly Device _device;
    private readonly BlockingCollection<(float[] Values, CollectiveTag Tag)>? _queue;
    private readonly Task? _exchanges;
    private readonly List<(IReadOnlyList<Parameter> Parameters, float[] Values)> _buckets = new();

    public GradientExchange(ICollective collective, Device device, bool overlapped)
    {
        _collective = collective;
        _device = device;
        if (!overlapped) return;
        _queue = new BlockingCollection<(float[], CollectiveTag)>();
        _exchanges = Task.Factory.StartNew(() =>
        {
            foreach (var (values, tag) in _queue.GetConsumingEnumerable()) collective.AllReduceSum(values, tag);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Whether buckets are summed beside the trainer's work (worth splitting the backward pass for).</summary>
    public bool Overlapped => _queue is not null;

    /// <summary>
    /// Hands over a bucket of parameters whose gradients are final for this step (a parameter without one counts as
    /// zeros). <paramref name="extra"/> values travel at the bucket's end and are summed alike (the stop vote).
    /// </summary>
    public void Send(IReadOnlyList<Parameter> parameters, CollectiveTag tag, params float[] extra)
    {
        using var scope = NewDisposeScope();
        var flat = parameters.Select(p => (p.grad ?? zeros_like(p)).flatten()).Append(tensor(extra, device: _device)).ToList();
        var values = cat(flat).to(ScalarType.Float32).cpu().data<float>().ToArray();
        _buckets.Add((parameters, values));
        if (_queue is null) _collective.AllReduceSum(values, tag);
        else _queue.Add((values, tag));
    }

    /// <summary>Waits for every bucket's all-reduce and replaces each parameter's gradient by its sum over the group;
    /// returns the summed extra values of the last bucket.</summary>
    public float[] Finish()
    {
        if (_queue is not null)
        {
            _queue.CompleteAdding();
            _exchanges!.GetAwaiter().GetResult();
        }
        using var noGrad = no_grad();
        foreach (var (parameters, values) in _buckets)
        {
            long offset = 0;
            var sums = tensor(values).to(_device);
            foreach (var parameter in parameters)
            {
                var count = parameter.numel();
                var summed = sums.narrow(0, offset, count).view(parameter.shape).to(parameter.dtype);
                if (parameter.grad is null) parameter.grad = summed.clone().DetachFromDisposeScope();
                else parameter.grad.copy_(summed);
                offset += count;
            }
        }
        if (_buckets.Count == 0) return [];
        var (lastParameters, lastValues) = _buckets[^1];
        return lastValues[(int)lastParameters.Sum(p => p.numel())..];
    }

    /// <summary>Ends the exchange thread once its calls are done. A step that failed half-way does not wait for them:
    /// the failure aborts the group, which ends a call in progress.</summary>
    public void Dispose()
    {
        _queue?.CompleteAdding();
        if (_exchanges is { IsCompleted: true }) _queue!.Dispose();
    }
}

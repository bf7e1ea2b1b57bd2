using Akka.Dispatch;

namespace TinyClip.Actors.Feeding;

/// <summary>Runs a function on an Akka dispatcher and exposes its result as a task, so SelectAsync can fan CPU work out to a dedicated pool.</summary>
public static class DispatcherWork
{
    public static Task<T> Run<T>(MessageDispatcher dispatcher, Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.Schedule(() =>
        {
            try { completion.SetResult(work()); }
            catch (Exception e) { completion.SetException(e); }
        });
        return completion.Task;
    }
}

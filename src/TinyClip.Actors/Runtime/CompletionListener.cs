using Akka.Actor;

namespace TinyClip.Actors.Runtime;

/// <summary>Completes a task with the run's <see cref="RunFinished"/>, so that the host can await the end of the run.</summary>
public sealed class CompletionListener : ReceiveActor
{
    public CompletionListener(TaskCompletionSource<RunFinished> completion) =>
        Receive<RunFinished>(finished => completion.TrySetResult(finished));

    public static Props Props(TaskCompletionSource<RunFinished> completion) =>
        Akka.Actor.Props.Create(() => new CompletionListener(completion));
}

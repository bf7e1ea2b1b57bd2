namespace TinyClip.Actors.Tests.Evaluation;

/// <summary>Tests that measure the process's resident memory run after the others, alone, so that no other test's allocations count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "measures the process's memory";
}

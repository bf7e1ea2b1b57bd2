using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Cluster;

/// <summary>The roles a node of a cluster run can carry.</summary>
public static class ClusterRoles
{
    /// <summary>Hosts the stage-supervisor singleton (and the evaluator); needs the PostgreSQL journal.</summary>
    public const string Coordinator = "coordinator";

    /// <summary>Hosts this process's trainers, their data feed and the cross-node collectives.</summary>
    public const string Trainer = "trainer";

    public static readonly IReadOnlyList<string> All = new[] { Coordinator, Trainer };
}

/// <summary>tinyclip.cluster: how a process takes part in a cluster run.</summary>
public sealed record ClusterSettings(
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> SeedNodes,
    int MinTrainerNodes,
    TimeSpan RegistrationInterval,
    TimeSpan LeaveTimeout,
    TimeSpan CoordinatorTimeout)
{
    public bool IsCoordinator => Roles.Contains(ClusterRoles.Coordinator);
    public bool IsTrainer => Roles.Contains(ClusterRoles.Trainer);

    public static ClusterSettings Read(Config config)
    {
        var reader = new SettingsReader(config, "tinyclip.cluster");
        var roles = reader.StringList("roles");
        if (roles.Count == 0)
            throw new InvalidSettingException("tinyclip.cluster.roles", $"a node needs at least one role ({string.Join(" or ", ClusterRoles.All)})");
        foreach (var role in roles)
            if (!ClusterRoles.All.Contains(role))
                throw new InvalidSettingException("tinyclip.cluster.roles", $"unknown role '{role}' (expected {string.Join(" or ", ClusterRoles.All)})");
        var seeds = reader.StringList("seed-nodes");
        if (seeds.Count == 0)
            throw new InvalidSettingException("tinyclip.cluster.seed-nodes", "at least one seed node is needed, e.g. akka.tcp://tinyclip@127.0.0.1:4053");
        foreach (var seed in seeds)
            if (!Akka.Actor.Address.TryParse(seed, out var address) || address.System != SystemName)
                throw new InvalidSettingException("tinyclip.cluster.seed-nodes", $"'{seed}' is not an address like akka.tcp://{SystemName}@HOST:PORT");
        return new ClusterSettings(roles, seeds,
            reader.Int("min-trainer-nodes", min: 1),
            reader.Duration("registration-interval"),
            reader.Duration("leave-timeout"),
            reader.Duration("coordinator-timeout"));
    }

    /// <summary>The actor system's name: part of every node address.</summary>
    public const string SystemName = "tinyclip";
}

using Akka.Configuration;

namespace TinyClip.Actors.Cluster;

/// <summary>The Akka HOCON that makes an actor system a member of the run's cluster, from <see cref="ClusterSettings"/>.</summary>
public static class ClusterConfig
{
    public static Config For(ClusterSettings cluster) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.cluster {
          seed-nodes = [{{string.Join(", ", cluster.SeedNodes.Select(Quote))}}]
          roles = [{{string.Join(", ", cluster.Roles.Select(Quote))}}]
        }
        """);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

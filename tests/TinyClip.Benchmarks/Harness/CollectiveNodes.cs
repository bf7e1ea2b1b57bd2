using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Benchmarks.Harness;

/// <summary>
/// Runs a benchmark job on N processes connected as cluster mode connects its nodes: each process is a copy of this
/// program in the hidden <see cref="NodeCommand"/> mode with an ActorSystem (remoting on 127.0.0.1), a
/// <see cref="NodeExchange"/> and one trainer rank, and the job's collectives go through
/// <see cref="HierarchicalCollectiveGroup"/> over topology (session, one <see cref="NodeSlot"/>(address, rank, 1) per
/// process, this node). Node 0 prints its results on standard output behind <see cref="ResultPrefix"/> (Akka logs there too).
/// </summary>
public static class CollectiveNodes
{
    public const string NodeCommand = "--collective-node";
    private const string ResultPrefix = "#result ";

    /// <summary>
    /// HOCON read over the shipped reference.conf by every node, e.g. <c>tinyclip.collectives.chunk-bytes = 4MiB</c>:
    /// for trying collective and remoting settings without rebuilding. Unset = the shipped settings.
    /// </summary>
    public const string SettingsVariable = "TINYCLIP_BENCH_HOCON";

    /// <summary>One node's side of a job; <paramref name="results"/> writes one result line (node 0's come back to the caller).</summary>
    public delegate void Job(Node node, string[] arguments, Action<IEnumerable<double>> results);

    /// <summary>This process as one node of the job: its exchange and its place among the nodes.</summary>
    public sealed record Node(NodeExchange Exchange, IReadOnlyList<string> Addresses, int Index)
    {
        /// <summary>This process's trainer in the collectives of <paramref name="session"/> (as WorkerGroup gets it in cluster mode).</summary>
        public ICollective Join(int session)
        {
            var slots = Addresses.Select((address, rank) => new NodeSlot(address, rank, 1)).ToList();
            return new HierarchicalCollectiveGroup(new CollectiveTopology(session, slots, Index), Exchange, Exchange.Settings.Timeout).Members[0];
        }
    }

    /// <summary>The settings every node uses: <see cref="SettingsVariable"/> if set, over the shipped reference.conf.</summary>
    public static Config Settings
    {
        get
        {
            var extra = Environment.GetEnvironmentVariable(SettingsVariable);
            return string.IsNullOrWhiteSpace(extra) ? TinyClipConfig.Reference : ConfigurationFactory.ParseString(extra).WithFallback(TinyClipConfig.Reference);
        }
    }

    /// <summary>Starts <paramref name="nodes"/> processes running <paramref name="job"/> and returns node 0's result lines.</summary>
    public static async Task<IReadOnlyList<double[]>> RunAsync(int nodes, string job, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var free = new HashSet<int>();
        while (free.Count < nodes) free.Add(FreePort());
        var ports = string.Join(",", free);
        var runs = Enumerable.Range(0, nodes)
            .Select(index => ChildProcess.RunAsync(ChildProcess.ThisProgram(new[] { NodeCommand, index.ToString(), ports, job }.Concat(arguments).ToArray()),
                timeout, cancellationToken))
            .ToList();
        var outputs = await Task.WhenAll(runs);
        return outputs[0].Split('\n')
            .Where(line => line.StartsWith(ResultPrefix, StringComparison.Ordinal))
            .Select(line => line[ResultPrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToList();
    }

    /// <summary>The hidden mode: <c>NodeCommand index port,port,... job arguments...</c>.</summary>
    public static int RunNode(string[] args, Func<string, Job> jobs)
    {
        int index = int.Parse(args[0]);
        var ports = args[1].Split(',').Select(int.Parse).ToList();
        var job = jobs(args[2]);
        var config = Settings;
        var remoting = RemotingSettings.Read(config) with { Port = ports[index] };
        using var system = ActorSystem.Create("bench", RemotingConfig.Build(remoting)
            .WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = remote"))
            .WithFallback(config));
        var exchange = NodeExchange.Start(system, CollectiveSettings.Read(config, remoting));
        var addresses = ports.Select(port => $"akka.tcp://bench@127.0.0.1:{port}").ToList();
        job(new Node(exchange, addresses, index), args[3..], values =>
        {
            if (index == 0) Console.WriteLine(ResultPrefix + string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        });
        system.Terminate().Wait(TimeSpan.FromSeconds(10));
        return 0;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Persistence;

namespace TinyClip.Actors.Hosting;

/// <summary>
/// The one place where an actor system is composed, for `tinyclip train` (journal), `tinyclip node` (remoting, cluster
/// membership, the journal on coordinators) and `tinyclip status`/export (journal only): the user's HOCON goes in as
/// it is, and Akka.Hosting's typed options add remoting, cluster membership and the SQL journal from our validated
/// settings, so no user value (a path, a password, a connection string) is ever spliced into HOCON text.
/// </summary>
public static class TinyClipHost
{
    /// <summary>Adds <paramref name="plan"/> to <paramref name="builder"/>: the user's HOCON first, each typed part over it.</summary>
    public static void Configure(AkkaConfigurationBuilder builder, HostPlan plan)
    {
        builder.AddHocon(plan.Config, HoconAddMode.Append);
        if (plan.Journal is { } journal)
        {
            // The default table mapping (tables journal, tags, snapshot) and plugin ids, so that existing journals replay.
            builder.WithSqlPersistence(journal.ConnectionString, journal.ProviderName);
            // The options have no journal parallelism; SQLite must write with 1 (one writer).
            builder.AddHocon(ConfigurationFactory.ParseString(
                "akka.persistence.journal.sql.parallelism = " + journal.Parallelism.ToString(CultureInfo.InvariantCulture)), HoconAddMode.Prepend);
        }
        if (plan.Remoting is { } remoting)
            builder.WithRemoting(RemoteOptions(remoting));
        if (plan.Cluster is { } cluster)
            builder.WithClustering(new ClusterOptions { Roles = cluster.Roles.ToArray(), SeedNodes = cluster.SeedNodes.ToArray() });
    }

    /// <summary>Starts the actor system of <paramref name="plan"/> in its own host; disposing the result shuts both down.</summary>
    public static async Task<HostedActorSystem> StartAsync(HostPlan plan)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services
                .AddSingleton<IHostLifetime, ProgramOwnsSignals>()
                .AddAkka(plan.SystemName, builder => Configure(builder, plan)))
            .Build();
        try
        {
            // Created here, before the host starts its hosted service: a failing start (a port in use, say) is then thrown
            // to the caller as it is, where Akka.Hosting's service would also print the whole exception to stdout.
            var system = host.Services.GetRequiredService<ActorSystem>();
            await host.StartAsync();
            return new HostedActorSystem(host, system);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Our remoting settings as Akka.Remote's options (DotNetty TCP transport, optional TLS from a PFX file).</summary>
    private static RemoteOptions RemoteOptions(RemotingSettings remoting)
    {
        var options = new RemoteOptions
        {
            HostName = remoting.Hostname,
            Port = remoting.Port,
            MaxFrameSize = remoting.MaximumFrameSize,
            SendBufferSize = remoting.SocketBufferBytes,
            ReceiveBufferSize = remoting.SocketBufferBytes,
            EnableSsl = remoting.Tls.Enabled,
        };
        if (remoting.Tls.Enabled)
            options.Ssl = new SslOptions
            {
                CertificateOptions = new SslCertificateOptions { Path = remoting.Tls.CertificatePath, Password = remoting.Tls.CertificatePassword },
                SuppressValidation = remoting.Tls.SuppressValidation,
            };
        return options;
    }

    /// <summary>
    /// The host's lifetime that does nothing. The default one (ConsoleLifetime) would stop the host on Ctrl-C/SIGTERM,
    /// under the run; the CLI owns those signals and turns them into a graceful stop (finish the step, checkpoint, exit 130).
    /// </summary>
    private sealed class ProgramOwnsSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A started actor system and the host that owns it; disposing stops the host (coordinated shutdown) and releases it.</summary>
public sealed class HostedActorSystem(IHost host, ActorSystem system) : IAsyncDisposable, IDisposable
{
    public ActorSystem System { get; } = system;

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

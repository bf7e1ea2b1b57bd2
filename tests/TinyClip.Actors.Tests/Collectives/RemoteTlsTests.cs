using System.Security.Cryptography;
using Akka.Actor;
using TinyClip.Actors.Cluster;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>Collectives over TLS between two ActorSystems, with a self-signed certificate made here.</summary>
public sealed class RemoteTlsTests : IDisposable
{
    private const string Password = "tinyclip-test";
    private readonly string _certificate = Path.Combine(Path.GetTempPath(), $"tinyclip-node-{Guid.NewGuid():N}.pfx");

    public RemoteTlsTests() => SelfSignedCertificate.WritePfx(_certificate, Password);

    private string[] Tls(string password) => new[]
    {
        "tinyclip.remoting.tls.enabled = on", $"tinyclip.remoting.tls.certificate-path = \"{_certificate}\"",
        $"tinyclip.remoting.tls.certificate-password = \"{password}\"", "tinyclip.remoting.tls.suppress-validation = on",
    };

    [Fact]
    public void All_reduce_works_between_nodes_speaking_tls_on_remoting_and_data_connections()
    {
        using var nodes = RemoteNodes.Start(2, Tls(Password));
        Assert.True(((ExtendedActorSystem)nodes.Systems[0]).Settings.Config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.True(nodes.Exchanges[0].Settings.Tls.Enabled);
        var groups = nodes.Groups(1, new[] { 1, 1 }, TimeSpan.FromSeconds(30));
        var reduced = new float[2][];
        var errors = RemoteNodes.RunMembers(groups, member =>
        {
            var buffer = Enumerable.Range(0, 300_000).Select(i => (float)(i + member.Rank)).ToArray();
            member.AllReduceSum(buffer, new CollectiveTag(1, 0, "grads"));
            reduced[member.Rank] = buffer;
        }, TimeSpan.FromSeconds(60));
        Assert.All(errors.Values, e => Assert.Null(e));
        var expected = Enumerable.Range(0, 300_000).Select(i => (float)(2 * i + 1)).ToArray();
        Assert.Equal(expected, reduced[0]);
        Assert.Equal(expected, reduced[1]);
        // The data listener speaks TLS only: a well-formed introduction in plain text is refused.
        var plain = new byte[CollectiveWire.HandshakeBytes];
        CollectiveWire.WriteHandshake(plain, 2, 1, 0);
        Assert.False(DataPlaneTests.Accepted(nodes.Exchanges[0].DataPort, plain));
    }

    [Fact]
    public void A_wrong_certificate_password_is_refused_when_the_settings_are_read_naming_the_key()
    {
        var error = Assert.Throws<InvalidSettingException>(() => RemotingSettings.Read(RemoteNodes.Config(Tls("not-the-password"))));
        Assert.Equal("tinyclip.remoting.tls.certificate-password", error.Key);
        Assert.Contains(_certificate, error.Message);
    }

    [Fact]
    public void Akka_itself_fails_start_up_on_a_wrong_password_with_the_cause_nested_deep()
    {
        // What happens when the transport block is built without our check: ActorSystem.Create throws, and only the
        // innermost exception says what is wrong. This is why RemotingSettings.Read opens the certificate first.
        var settings = RemotingSettings.Read(RemoteNodes.Config(Tls(Password))) with
        {
            Tls = new TlsSettings(true, _certificate, "not-the-password", true),
        };
        var config = RemotingConfig.Build(settings).WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = remote"))
            .WithFallback(RemoteNodes.Config());
        var error = Record.Exception(() => ActorSystem.Create("wrong-password", config).Terminate().Wait());
        Assert.NotNull(error);
        var root = error;
        while (root.InnerException is not null) root = root.InnerException;
        Assert.IsAssignableFrom<CryptographicException>(root);
        Assert.Contains("password", root.Message);
    }

    public void Dispose() => File.Delete(_certificate);
}

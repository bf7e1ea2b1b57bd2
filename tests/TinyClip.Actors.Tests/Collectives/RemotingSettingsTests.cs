using TinyClip.Actors.Cluster;
using TinyClip.Actors.Collectives;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

namespace TinyClip.Actors.Tests.Collectives;

public class RemotingSettingsTests
{
    [Fact]
    public void Shipped_defaults_bind_to_loopback_with_any_free_data_port()
    {
        var config = RemoteNodes.Config();
        var remoting = RemotingSettings.Read(config);
        var collectives = CollectiveSettings.Read(config, remoting);
        Assert.Equal(new RemotingSettings("127.0.0.1", 0, 4L << 20, new TlsSettings(false, "", "", false)), remoting);
        Assert.Equal(new CollectiveSettings("127.0.0.1", 0, 1 << 20, TimeSpan.FromMinutes(10), remoting.Tls), collectives);
    }

    [Fact]
    public void The_akka_transport_block_carries_every_remoting_setting()
    {
        var certificate = Path.Combine(Path.GetTempPath(), $"tinyclip-node-{Guid.NewGuid():N}.pfx");
        SelfSignedCertificate.WritePfx(certificate, "p#ss\"word");
        try
        {
            var settings = RemotingSettings.Read(RemoteNodes.Config("tinyclip.remoting.hostname = 10.0.0.5", "tinyclip.remoting.port = 4053",
                "tinyclip.remoting.maximum-frame-size = 8MiB", "tinyclip.remoting.tls.enabled = on", $"tinyclip.remoting.tls.certificate-path = \"{certificate}\"",
                "tinyclip.remoting.tls.certificate-password = \"p#ss\\\"word\"", "tinyclip.remoting.tls.suppress-validation = on"));
            var tcp = RemotingConfig.Build(settings).GetConfig("akka.remote.dot-netty.tcp");
            Assert.Equal("10.0.0.5", tcp.GetString("hostname"));
            Assert.Equal(4053, tcp.GetInt("port"));
            Assert.Equal(8L << 20, tcp.GetByteSize("maximum-frame-size"));
            Assert.Equal(16L << 20, tcp.GetByteSize("send-buffer-size"));
            Assert.Equal(16L << 20, tcp.GetByteSize("receive-buffer-size"));
            Assert.True(tcp.GetBoolean("enable-ssl"));
            Assert.Equal(certificate, tcp.GetString("ssl.certificate.path"));
            Assert.Equal("p#ss\"word", tcp.GetString("ssl.certificate.password"));
            Assert.True(tcp.GetBoolean("ssl.suppress-validation"));
        }
        finally { File.Delete(certificate); }
    }

    [Theory]
    [InlineData("tinyclip.collectives.data-port = 70000", "tinyclip.collectives.data-port")]
    [InlineData("tinyclip.collectives.chunk-bytes = 2", "tinyclip.collectives.chunk-bytes")]
    [InlineData("tinyclip.collectives.timeout = soon", "tinyclip.collectives.timeout")]
    [InlineData("tinyclip.remoting.maximum-frame-size = lots", "tinyclip.remoting.maximum-frame-size")]
    [InlineData("tinyclip.remoting.port = 70000", "tinyclip.remoting.port")]
    [InlineData("tinyclip.remoting.tls.enabled = maybe", "tinyclip.remoting.tls.enabled")]
    public void Invalid_values_name_their_key(string setting, string key)
    {
        var config = RemoteNodes.Config(setting);
        var error = Assert.Throws<InvalidSettingException>(() => CollectiveSettings.Read(config, RemotingSettings.Read(config)));
        Assert.Equal(key, error.Key);
    }

    [Fact]
    public void A_missing_certificate_file_is_refused_naming_the_key()
    {
        var config = RemoteNodes.Config("tinyclip.remoting.tls.enabled = on", "tinyclip.remoting.tls.certificate-path = /nonexistent/node.pfx");
        var error = Assert.Throws<InvalidSettingException>(() => RemotingSettings.Read(config));
        Assert.Equal("tinyclip.remoting.tls.certificate-path", error.Key);
        Assert.Contains("/nonexistent/node.pfx", error.Message);
    }
}

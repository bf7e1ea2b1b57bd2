using Akka.Configuration;
using TinyClip.Actors.Configuration;

namespace TinyClip.Actors.Cluster;

/// <summary>Where this process listens for other nodes and how (tinyclip.remoting), validated at start-up.</summary>
/// <param name="MaximumFrameSize">Largest Akka message in bytes; larger ones are dropped by Akka, so collectives chunk below it.</param>
public sealed record RemotingSettings(string Hostname, int Port, long MaximumFrameSize, TlsSettings Tls)
{
    public static RemotingSettings Read(Config config)
    {
        var remoting = new SettingsReader(config, "tinyclip.remoting");
        var tls = remoting.Child("tls");
        bool enabled = tls.Bool("enabled");
        var certificate = tls.String("certificate-path");
        if (enabled)
        {
            if (certificate.Length == 0) throw new InvalidSettingException(tls.Key("certificate-path"), "TLS is enabled but no certificate (PFX) is given");
            if (!File.Exists(certificate)) throw new InvalidSettingException(tls.Key("certificate-path"), $"file '{certificate}' does not exist");
        }
        return new RemotingSettings(
            remoting.String("hostname", allowEmpty: false),
            remoting.Int("port", 0, 65535),
            // Akka refuses frames below 32000 bytes; above 1 GiB a single message would not fit a byte[] with its envelope.
            remoting.Bytes("maximum-frame-size", 32000, 1L << 30),
            new TlsSettings(enabled, certificate, tls.String("certificate-password"), tls.Bool("suppress-validation")));
    }
}

/// <param name="CertificatePath">A PFX/PKCS#12 file holding the node's certificate and private key.</param>
/// <param name="SuppressValidation">Accept any peer certificate (self-signed ones); traffic is still encrypted.</param>
public sealed record TlsSettings(bool Enabled, string CertificatePath, string CertificatePassword, bool SuppressValidation);

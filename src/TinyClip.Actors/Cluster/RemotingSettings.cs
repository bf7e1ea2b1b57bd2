using Akka.Configuration;
using TinyClip.Actors.Configuration;
using TinyClip.Configuration;

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
            CheckCertificate(tls, certificate, tls.String("certificate-password"));
        }
        return new RemotingSettings(
            remoting.String("hostname", allowEmpty: false),
            remoting.Int("port", 0, 65535),
            // Akka refuses frames below 32000 bytes; above 1 GiB a single message would not fit a byte[] with its envelope.
            remoting.Bytes("maximum-frame-size", 32000, 1L << 30),
            new TlsSettings(enabled, certificate, tls.String("certificate-password"), tls.Bool("suppress-validation")));
    }

    /// <summary>
    /// Opens the PFX as Akka will: Akka reports a wrong password only as a CryptographicException nested three
    /// AggregateExceptions deep inside "Remoting error: [Startup failed]"; this names the key instead.
    /// </summary>
    private static void CheckCertificate(SettingsReader tls, string path, string password)
    {
        try
        {
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(path, password);
            if (!certificate.HasPrivateKey)
                throw new InvalidSettingException(tls.Key("certificate-path"), $"'{path}' holds no private key; a node needs its own key to accept TLS connections");
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidSettingException(tls.Key("certificate-password"), $"cannot open '{path}' with this password ({e.Message})");
        }
    }
}

/// <param name="CertificatePath">A PFX/PKCS#12 file holding the node's certificate and private key.</param>
/// <param name="SuppressValidation">Accept any peer certificate (self-signed ones); traffic is still encrypted.</param>
public sealed record TlsSettings(bool Enabled, string CertificatePath, string CertificatePassword, bool SuppressValidation);

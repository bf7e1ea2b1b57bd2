using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace TinyClip.Actors.Collectives;

/// <summary>
/// TLS for data connections with the remoting certificate (PFX): both sides present it; peers are validated normally
/// unless suppress-validation accepts any certificate (self-signed ones).
/// </summary>
internal sealed class DataSecurity(X509Certificate2 certificate, bool suppressValidation)
{
    public static DataSecurity? For(Cluster.TlsSettings tls) => tls.Enabled
        ? new DataSecurity(X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, tls.CertificatePassword), tls.SuppressValidation)
        : null;

    public Stream AuthenticateAsClient(Stream inner, string host)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ClientCertificates = new X509CertificateCollection { certificate },
            RemoteCertificateValidationCallback = Validate,
        });
        return ssl;
    }

    public Stream AuthenticateAsServer(Stream inner)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        ssl.AuthenticateAsServer(new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = Validate,
        });
        return ssl;
    }

    private bool Validate(object sender, X509Certificate? remote, X509Chain? chain, SslPolicyErrors errors) =>
        remote is not null && (suppressValidation || errors == SslPolicyErrors.None);
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TinyClip.Actors.Tests.Collectives;

/// <summary>A throw-away node certificate for TLS tests: RSA 2048, self-signed, valid one day each side of now.</summary>
internal static class SelfSignedCertificate
{
    public static void WritePfx(string path, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
    }
}

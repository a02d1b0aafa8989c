using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Teeceepee.Tests.Sockets;

/// <summary>Certificates made when a test runs (no key is ever committed).</summary>
internal static class TestCertificates
{
    /// <summary>A self-signed RSA certificate for <paramref name="subject"/> (e.g. "CN=server.test"), valid a day either side of now.</summary>
    public static X509Certificate2 SelfSigned(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the certificate owns its private key after the key object above is disposed.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }
}

namespace Cloud.Log.Kafka.Hosting;

/// <summary>
/// The Kafka listener's TLS certificate, section <c>CloudLog:Kafka:Certificate</c>: with <see cref="Path"/>
/// set the listener speaks TLS only (Kafka's <c>SSL</c> / <c>SASL_SSL</c> security protocols); unset, plain
/// TCP (<c>PLAINTEXT</c> / <c>SASL_PLAINTEXT</c>).
/// </summary>
public sealed class KafkaCertificateOptions
{
    /// <summary>
    /// A PKCS#12 file (<c>.pfx</c> or <c>.p12</c>) holding the certificate and its private key, or a PEM
    /// certificate (any other name), whose key is in <see cref="KeyPath"/> or the same file.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>The PKCS#12 file's password, or the PEM key's when it is encrypted. Keep it out of source.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM certificate's private key file. Default: the certificate file itself.</summary>
    public string? KeyPath { get; set; }
}

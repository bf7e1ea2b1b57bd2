using Akka.Configuration;

namespace TinyClip.Actors.Cluster;

/// <summary>
/// Translates <see cref="RemotingSettings"/> into Akka's DotNetty transport configuration, so users set our few keys
/// (tinyclip.remoting) and never Akka's transport internals.
/// </summary>
public static class RemotingConfig
{
    /// <summary>Socket buffers are at least this large (Akka's default is 256 kB); collective payloads do not use these sockets.</summary>
    public const long MinimumSocketBufferBytes = 4L << 20;

    /// <summary>The <c>akka.remote.dot-netty.tcp</c> block (the actor provider is left to the caller: remote or cluster).</summary>
    public static Config Build(RemotingSettings settings)
    {
        long socketBuffer = Math.Max(MinimumSocketBufferBytes, 2 * settings.MaximumFrameSize);
        var tls = settings.Tls;
        var hocon = $$"""
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(settings.Hostname)}}
              port = {{settings.Port}}
              maximum-frame-size = {{settings.MaximumFrameSize}}b
              send-buffer-size = {{socketBuffer}}b
              receive-buffer-size = {{socketBuffer}}b
              enable-ssl = {{(tls.Enabled ? "on" : "off")}}
              ssl {
                certificate {
                  path = {{Quote(tls.CertificatePath)}}
                  password = {{Quote(tls.CertificatePassword)}}
                }
                suppress-validation = {{(tls.SuppressValidation ? "on" : "off")}}
              }
            }
            """;
        return ConfigurationFactory.ParseString(hocon);
    }

    /// <summary>A HOCON string literal: paths and passwords may hold backslashes, quotes or '#'.</summary>
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

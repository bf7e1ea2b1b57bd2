using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using TinyClip.Actors.Hosting;

namespace TinyClip.Actors.Tests.Hosting;

/// <summary>The HOCON the host builder composes for a plan, without starting a host: for TestKit systems and for reading settings back.</summary>
internal static class ComposedConfig
{
    public static Config Of(HostPlan plan)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), plan.SystemName);
        TinyClipHost.Configure(builder, plan);
        return builder.Configuration.Value;
    }
}

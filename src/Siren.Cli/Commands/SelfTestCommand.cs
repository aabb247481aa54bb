using System.CommandLine;
using Siren.Core.Kernels;

namespace Siren.Cli.Commands;

/// <summary>
/// siren self-test — checks this CPU's vector popcount kernels against the scalar oracle.
/// Example: DOTNET_EnableAVX512=0 siren self-test
/// </summary>
public static class SelfTestCommand
{
    public static Command Create()
    {
        var command = new Command("self-test", """
            Check the co-occupancy kernels this CPU supports (AVX-512, AVX2, scalar) against the scalar oracle on
            random bit rows, and print which path block detection will use. Set DOTNET_EnableAVX512=0 or
            DOTNET_EnableAVX2=0 to test a fallback path.
            Example: siren self-test
            """);
        command.SetAction(_ =>
        {
            var (ok, report) = KernelSelfTest.Run();
            Console.WriteLine(report);
            return ok ? 0 : 1;
        });
        return command;
    }
}

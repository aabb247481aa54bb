using Siren.Interop.Cuda;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Siren.Core.Tests.Cuda;

/// <summary>
/// A fact of a backend contract, written once in the abstract contract class. Each concrete test class
/// may carry a <see cref="BackendRequirementAttribute"/>; when the requirement is not met on this
/// machine, every inherited fact is reported as skipped with the requirement's reason (never passed).
/// </summary>
[XunitTestCaseDiscoverer("Siren.Core.Tests.Cuda.BackendFactDiscoverer", "Siren.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>What a concrete backend test class needs from the machine; null <see cref="SkipReason"/> means it is there.</summary>
[AttributeUsage(AttributeTargets.Class)]
public abstract class BackendRequirementAttribute : Attribute
{
    public abstract string? SkipReason { get; }
}

/// <summary>The class needs a usable CUDA device (driver, GPU and loadable kernels).</summary>
public sealed class CudaRequiredAttribute : BackendRequirementAttribute
{
    public override string? SkipReason => CudaAvailability.SkipReason;
}

/// <summary>The class needs a CPU popcount path (AVX2, AVX-512) that this processor may lack.</summary>
public sealed class CpuPathRequiredAttribute(Siren.Core.Kernels.PairCounter.Path path) : BackendRequirementAttribute
{
    public override string? SkipReason =>
        Siren.Core.Kernels.PairCounter.IsSupported(path) ? null : $"this CPU does not support the {path} popcount path.";
}

/// <summary>Probes CUDA once per test run: opening the backend is the only complete check.</summary>
public static class CudaAvailability
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        using CudaCooccurrenceBackend? backend = CudaCooccurrenceBackend.TryCreate(out string reason);
        return backend is null ? $"no usable CUDA device: {reason}" : null;
    });

    public static string? SkipReason => Reason.Value;
}

/// <summary>A fact that needs a usable CUDA device; skipped with the probe's reason elsewhere.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (CudaAvailability.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>A fact about behaviour on a machine without CUDA (fallback, error lines); skipped where CUDA works.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (CudaAvailability.SkipReason is null) Skip = "a CUDA device is usable here; this test covers machines without one.";
    }
}

public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        Type testClass = testMethod.TestClass.Class.ToRuntimeType();
        string? reason = testClass.GetCustomAttributes(typeof(BackendRequirementAttribute), inherit: true)
            .Cast<BackendRequirementAttribute>().Select(r => r.SkipReason).FirstOrDefault(r => r is not null);
        yield return reason is null
            ? new XunitTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)
            : new SkippedBackendTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
    }
}

/// <summary>A test case whose skip reason comes from its class's backend requirement, not from the attribute.</summary>
public sealed class SkippedBackendTestCase : XunitTestCase
{
    private string _reason = "";

    [Obsolete("Called by the de-serializer only.", error: true)]
    public SkippedBackendTestCase() { }

    public SkippedBackendTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod, string reason)
        : base(sink, display, options, testMethod)
    {
        _reason = reason;
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _reason;

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("BackendSkipReason", _reason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        _reason = data.GetValue<string>("BackendSkipReason");
        base.Deserialize(data);
    }
}

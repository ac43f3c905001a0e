namespace KubeMedic.Kubernetes.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Assembly_loads()
    {
        typeof(KubeMedic.Kubernetes.Tests.SmokeTests).Assembly.GetName().Name.ShouldBe("KubeMedic.Kubernetes.Tests");
    }
}

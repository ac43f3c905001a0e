namespace KubeMedic.Observability.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Assembly_loads()
    {
        typeof(KubeMedic.Observability.Tests.SmokeTests).Assembly.GetName().Name.ShouldBe("KubeMedic.Observability.Tests");
    }
}

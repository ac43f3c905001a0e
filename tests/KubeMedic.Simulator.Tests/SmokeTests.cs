namespace KubeMedic.Simulator.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Assembly_loads()
    {
        typeof(KubeMedic.Simulator.Tests.SmokeTests).Assembly.GetName().Name.ShouldBe("KubeMedic.Simulator.Tests");
    }
}

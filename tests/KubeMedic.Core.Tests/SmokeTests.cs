namespace KubeMedic.Core.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Assembly_loads()
    {
        typeof(KubeMedic.Core.Tests.SmokeTests).Assembly.GetName().Name.ShouldBe("KubeMedic.Core.Tests");
    }
}

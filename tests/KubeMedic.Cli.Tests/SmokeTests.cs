namespace KubeMedic.Cli.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Assembly_loads()
    {
        typeof(KubeMedic.Cli.Tests.SmokeTests).Assembly.GetName().Name.ShouldBe("KubeMedic.Cli.Tests");
    }
}

using KubeMedic.Simulator.Controllers;
using KubeMedic.Simulator.Kubelet;
using KubeMedic.Simulator.Scenarios;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator;

/// <summary>Everything the API server and the controllers share.</summary>
internal sealed class SimContext
{
    public SimContext(SimClock clock, ObjectStore store, Scenario scenario)
    {
        Clock = clock;
        Store = store;
        Scenario = scenario;
        Events = new EventRecorder(this);
        Kubelet = new KubeletRuntime(this);
        Manager = new ControllerManager(this);
    }

    public SimClock Clock { get; }
    public ObjectStore Store { get; }
    public Scenario Scenario { get; }
    public EventRecorder Events { get; }
    public KubeletRuntime Kubelet { get; }
    public ControllerManager Manager { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();
}

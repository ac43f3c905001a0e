using System.Collections.Concurrent;
using KubeMedic.Simulator.Store;

namespace KubeMedic.Simulator.Controllers;

/// <summary>
/// Runs every controller on one loop thread: store events are dispatched to the controllers, which queue keys and
/// reconcile them; timers fire on the simulated clock. One thread means controllers need no locks of their own.
/// </summary>
internal sealed class ControllerManager
{
    private readonly SimContext _ctx;
    private readonly ConcurrentQueue<StoreEvent> _events = new();
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly PriorityQueue<Action, (DateTimeOffset, long)> _timers = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Controller> _controllers = [];
    private long _timerSeq;
    private Task? _loop;
    private int _loopThreadId;

    public ControllerManager(SimContext ctx)
    {
        _ctx = ctx;
    }

    public IReadOnlyList<Controller> Controllers => _controllers;

    public T Get<T>() where T : Controller => _controllers.OfType<T>().Single();

    public void Start()
    {
        _controllers.AddRange(
        [
            new NamespaceController(_ctx), new GarbageCollector(_ctx), new DeploymentController(_ctx), new ReplicaSetController(_ctx),
            new StatefulSetController(_ctx), new DaemonSetController(_ctx), new JobController(_ctx), new EndpointsController(_ctx),
            new PersistentVolumeController(_ctx), new Scheduler(_ctx), new NodeLifecycleController(_ctx), new KubeletController(_ctx),
            new DisruptionController(_ctx), new HorizontalPodAutoscalerController(_ctx),
        ]);
        _ctx.Store.Committed += ev =>
        {
            _events.Enqueue(ev);
            _signal.Release();
        };
        _ctx.Clock.Jumped += () => _signal.Release();
        _loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning);
        Post(() =>
        {
            foreach (var c in _controllers) c.Initialize();
        });
    }

    public bool OnLoopThread => Environment.CurrentManagedThreadId == _loopThreadId;

    /// <summary>Schedules <paramref name="action"/> on the loop at simulated time <paramref name="when"/>. Loop thread only.</summary>
    public void At(DateTimeOffset when, Action action)
    {
        if (!OnLoopThread)
        {
            Post(() => At(when, action));
            return;
        }

        _timers.Enqueue(action, (when, _timerSeq++));
    }

    public void Post(Action action)
    {
        _posted.Enqueue(action);
        _signal.Release();
    }

    public Task InvokeAsync(Action action, CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                action();
                Drain();
                tcs.TrySetResult();
            }
            catch (Exception ex)
            {
                tcs.TrySetException(ex);
            }
        });
        return tcs.Task.WaitAsync(ct);
    }

    public Task SettleAsync(CancellationToken ct = default) => InvokeAsync(() => { }, ct);

    /// <summary>Steps simulated time forward, firing due timers in order and settling after each.</summary>
    public Task AdvanceAsync(TimeSpan by, CancellationToken ct = default) => InvokeAsync(() =>
    {
        var target = _ctx.Clock.GetUtcNow() + by;
        var guard = 0;
        while (_timers.TryPeek(out _, out var due) && due.Item1 <= target)
        {
            if (++guard > 5_000_000) throw new InvalidOperationException("simulation did not converge while advancing the clock");
            _ctx.Clock.SetAtLeast(due.Item1);
            FireDueTimers();
            Drain();
            ct.ThrowIfCancellationRequested();
        }

        _ctx.Clock.SetAtLeast(target);
        Drain();
    }, ct);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        _signal.Release();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                // the loop is stuck in a controller; give up waiting
            }
        }
    }

    private async Task Loop()
    {
        _loopThreadId = Environment.CurrentManagedThreadId;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                Drain();
                FireDueTimers();
                Drain();
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"sim: controller loop error: {ex.Message}");
            }

            var delay = TimeSpan.FromMilliseconds(500);
            if (_timers.TryPeek(out _, out var next))
            {
                var real = _ctx.Clock.RealDelayUntil(next.Item1);
                if (real < delay) delay = real;
            }

            if (delay > TimeSpan.Zero && _events.IsEmpty && _posted.IsEmpty)
            {
                try
                {
                    // Waiting synchronously keeps every controller on this one thread.
                    _signal.Wait(delay + TimeSpan.FromMilliseconds(1), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await Task.CompletedTask;
    }

    private void FireDueTimers()
    {
        var now = _ctx.Clock.GetUtcNow();
        var fired = 0;
        while (_timers.TryPeek(out _, out var due) && due.Item1 <= now && fired < 100_000)
        {
            var action = _timers.Dequeue();
            fired++;
            Run(action);
            if (fired % 256 == 0) Drain();
        }
    }

    /// <summary>Processes posted actions, store events and dirty keys until nothing is left.</summary>
    private void Drain()
    {
        var rounds = 0;
        while (true)
        {
            var worked = false;
            while (_posted.TryDequeue(out var action))
            {
                worked = true;
                Run(action);
            }

            while (_events.TryDequeue(out var ev))
            {
                worked = true;
                foreach (var c in _controllers)
                {
                    try
                    {
                        c.OnEvent(ev);
                    }
                    catch (Exception ex)
                    {
                        Console.Error.WriteLine($"sim: {c.GetType().Name} event error: {ex}");
                    }
                }
            }

            foreach (var c in _controllers)
            {
                if (c.ProcessQueue()) worked = true;
            }

            if (!worked) return;
            if (++rounds > 100_000) return;
        }
    }

    private static void Run(Action action)
    {
        try
        {
            action();
        }
        catch (ApiException)
        {
            // conflicts and not-founds are normal while objects change under a controller
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"sim: controller error: {ex}");
        }
    }
}

/// <summary>Base of every controller: a de-duplicating work queue of keys and helpers for timers.</summary>
internal abstract class Controller
{
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    protected Controller(SimContext ctx)
    {
        Ctx = ctx;
    }

    protected SimContext Ctx { get; }

    protected ObjectStore Store => Ctx.Store;

    protected DateTimeOffset Now => Ctx.Clock.GetUtcNow();

    /// <summary>Called once on the loop thread after all controllers exist.</summary>
    public virtual void Initialize()
    {
    }

    /// <summary>Called for every committed change, on the loop thread.</summary>
    public abstract void OnEvent(StoreEvent ev);

    protected abstract void Reconcile(string key);

    public void Enqueue(string key)
    {
        if (_dirty.Add(key)) _order.Enqueue(key);
    }

    protected void EnqueueAfter(TimeSpan delay, string key) => Ctx.Manager.At(Now + delay, () => Enqueue(key));

    protected void EnqueueAt(DateTimeOffset when, string key) => Ctx.Manager.At(when, () => Enqueue(key));

    internal bool ProcessQueue()
    {
        if (_order.Count == 0) return false;
        var batch = _order.Count;
        for (var i = 0; i < batch && _order.Count > 0; i++)
        {
            var key = _order.Dequeue();
            _dirty.Remove(key);
            try
            {
                Reconcile(key);
            }
            catch (ApiException ex) when (ex.Code is 409)
            {
                EnqueueAfter(TimeSpan.FromMilliseconds(100), key);
            }
            catch (ApiException)
            {
                // the object went away or changed; the next event brings it back
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"sim: {GetType().Name} reconcile {key}: {ex}");
            }
        }

        return true;
    }

    protected static (string? Ns, string Name) Split(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }

    protected static string KeyOf(System.Text.Json.Nodes.JsonObject o) => ObjectStore.Key(o.Namespace(), o.Name());
}

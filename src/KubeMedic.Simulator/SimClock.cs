using System.Diagnostics;

namespace KubeMedic.Simulator;

/// <summary>
/// The simulated clock. Simulated time runs <see cref="Speed"/> times faster than real time and can be moved forward
/// with <see cref="Advance"/>. It never goes backwards. Every timestamp the simulator writes comes from this clock.
/// </summary>
public sealed class SimClock : TimeProvider
{
    private readonly object _gate = new();
    private DateTimeOffset _anchorSim;
    private long _anchorTicks;
    private double _speed;

    public SimClock(DateTimeOffset start, double speed = 1)
    {
        if (speed <= 0 || double.IsNaN(speed) || double.IsInfinity(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), "speed must be a positive number");
        }

        _anchorSim = start;
        _anchorTicks = Stopwatch.GetTimestamp();
        _speed = speed;
    }

    /// <summary>Raised (outside any lock) after the clock was moved forward by <see cref="Advance"/> or <see cref="SetAtLeast"/>.</summary>
    public event Action? Jumped;

    /// <summary>Simulated seconds per real second.</summary>
    public double Speed
    {
        get { lock (_gate) { return _speed; } }
        set
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(nameof(value));
            lock (_gate)
            {
                Rebase();
                _speed = value;
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return Now();
        }
    }

    /// <summary>Moves simulated time forward at once. Timers due in between fire at the new time; use
    /// <see cref="SimulatedCluster.AdvanceAsync"/> to step through them in order instead.</summary>
    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "the clock cannot go backwards");
        lock (_gate)
        {
            Rebase();
            _anchorSim += by;
        }

        Jumped?.Invoke();
    }

    /// <summary>Sets the clock to <paramref name="time"/> if that is later than now.</summary>
    internal void SetAtLeast(DateTimeOffset time)
    {
        bool moved;
        lock (_gate)
        {
            Rebase();
            moved = time > _anchorSim;
            if (moved) _anchorSim = time;
        }

        if (moved) Jumped?.Invoke();
    }

    /// <summary>Real time until simulated time reaches <paramref name="simTime"/>.</summary>
    internal TimeSpan RealDelayUntil(DateTimeOffset simTime)
    {
        lock (_gate)
        {
            var simDelay = simTime - Now();
            return simDelay <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(simDelay.Ticks / _speed));
        }
    }

    private DateTimeOffset Now()
    {
        var elapsed = Stopwatch.GetElapsedTime(_anchorTicks);
        return _anchorSim + TimeSpan.FromTicks((long)(elapsed.Ticks * _speed));
    }

    private void Rebase()
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(_anchorTicks, now);
        _anchorSim += TimeSpan.FromTicks((long)(elapsed.Ticks * _speed));
        _anchorTicks = now;
    }
}

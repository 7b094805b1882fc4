using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CryptoRun.Domain;

namespace CryptoRun.Streaming;

/// <summary>
/// One consumer of one subscription: a bounded buffer read as <see cref="IAsyncEnumerable{T}"/>. The receive loop
/// only writes to it without waiting; when the buffer is full the event is dropped for this consumer alone and,
/// once it has room again, a <see cref="GapEvent"/> (<see cref="GapReason.SlowConsumer"/>) says how many were lost.
/// A slow consumer therefore never stalls the socket or grows memory. Dispose it to unsubscribe.
/// </summary>
public sealed class StreamSubscriber : IAsyncEnumerable<StreamEvent>, IAsyncDisposable
{
    private readonly Channel<StreamEvent> _buffer;
    private readonly Action<StreamSubscriber> _unsubscribe;
    private readonly Lock _overflow = new();
    private long _dropped;
    private long _droppedTotal;
    private DateTimeOffset _firstDropped;
    private long _delivered;

    internal StreamSubscriber(StreamSubscription subscription, int capacity, Action<StreamSubscriber> unsubscribe)
    {
        Subscription = subscription;
        _unsubscribe = unsubscribe;
        _buffer = Channel.CreateBounded<StreamEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>What this consumer subscribed to.</summary>
    public StreamSubscription Subscription { get; }

    /// <summary>Events dropped for this consumer because its buffer was full, in all.</summary>
    public long Dropped => Interlocked.Read(ref _droppedTotal);

    /// <summary>Events written to this consumer's buffer, in all.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Reads the events as they come, until the client stops, the consumer is disposed, or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The events, in receive order.</returns>
    public async IAsyncEnumerator<StreamEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var reader = _buffer.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    /// <summary>Unsubscribes: the client stops writing to this consumer and the enumeration ends after what is buffered.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        _unsubscribe(this);
        _buffer.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes one event without waiting; on a full buffer counts it dropped. Called by the receive loop.</summary>
    internal void Offer(StreamEvent item)
    {
        var writer = _buffer.Writer;
        if (Interlocked.Read(ref _dropped) > 0 && !TryFlushGap(item))
        {
            return;
        }

        if (writer.TryWrite(item))
        {
            Interlocked.Increment(ref _delivered);
            return;
        }

        lock (_overflow)
        {
            if (_dropped == 0)
            {
                _firstDropped = item.Provenance.ReceivedAt;
            }

            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _droppedTotal);
        }
    }

    /// <summary>Reads and drops what is buffered (a consumer on the benchmark's core); returns how many events.</summary>
    internal int DrainBuffered()
    {
        var count = 0;
        while (_buffer.Reader.TryRead(out _))
        {
            count++;
        }

        return count;
    }

    /// <summary>Ends the enumeration (the client stopped).</summary>
    internal void Complete() => _buffer.Writer.TryComplete();

    private bool TryFlushGap(StreamEvent next)
    {
        lock (_overflow)
        {
            if (_dropped == 0)
            {
                return true;
            }

            var gap = new GapEvent(
                Subscription.Instrument,
                Subscription.Channel,
                GapReason.SlowConsumer,
                _firstDropped,
                next.Provenance.ReceivedAt,
                _dropped,
                null,
                next.Provenance with { Frame = 0 });
            if (!_buffer.Writer.TryWrite(gap))
            {
                _dropped++;
                Interlocked.Increment(ref _droppedTotal);
                return false;
            }

            Interlocked.Increment(ref _delivered);
            _dropped = 0;
            return true;
        }
    }
}

/// <summary>The consumers of one instrument on one connection, per channel; swapped copy-on-write so the receive loop reads without locks.</summary>
internal sealed class InstrumentRoutes(Instrument instrument)
{
    private readonly StreamSubscriber[][] _byChannel = [[], [], [], [], []];
    private readonly Lock _writers = new();

    public Instrument Instrument { get; } = instrument;

    public StreamSubscriber[] For(StreamChannel channel) => Volatile.Read(ref _byChannel[(int)channel]);

    public void Add(StreamSubscriber subscriber)
    {
        lock (_writers)
        {
            var index = (int)subscriber.Subscription.Channel;
            Volatile.Write(ref _byChannel[index], [.. _byChannel[index], subscriber]);
        }
    }

    public void Remove(StreamSubscriber subscriber)
    {
        lock (_writers)
        {
            var index = (int)subscriber.Subscription.Channel;
            Volatile.Write(ref _byChannel[index], _byChannel[index].Where(s => !ReferenceEquals(s, subscriber)).ToArray());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(StreamChannel channel, StreamEvent item)
    {
        foreach (var subscriber in For(channel))
        {
            subscriber.Offer(item);
        }
    }
}

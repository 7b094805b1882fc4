namespace CryptoRun.Books;

/// <summary>
/// One L2 book message of a venue's stream, normalized: a snapshot or a delta of level changes with the
/// venue's sequence fields and checksum. A parser fills one instance per frame and the receive loop reuses
/// it (call <see cref="Clear"/>), so parsing a delta allocates only the level texts.
/// </summary>
public sealed class BookMessage
{
    /// <summary>The venue's symbol of the book (<c>XMR/USD</c> on Kraken, <c>BTC-USDT</c> on OKX, <c>BTCUSDT</c> on Binance).</summary>
    public string Symbol { get; set; } = "";

    /// <summary>True when the message replaces the whole book.</summary>
    public bool IsSnapshot { get; set; }

    /// <summary>Bid level changes, in the venue's order.</summary>
    public List<LevelChange> Bids { get; } = [];

    /// <summary>Ask level changes, in the venue's order.</summary>
    public List<LevelChange> Asks { get; } = [];

    /// <summary>The message's own (last) sequence: Binance <c>u</c>, OKX <c>seqId</c>, Bybit <c>u</c>; null when the venue sends none.</summary>
    public long? Sequence { get; set; }

    /// <summary>The first sequence the message covers: Binance <c>U</c>; null when none.</summary>
    public long? FirstSequence { get; set; }

    /// <summary>The sequence the message follows: Binance USD-M <c>pu</c>, OKX <c>prevSeqId</c>; null when none.</summary>
    public long? PreviousSequence { get; set; }

    /// <summary>The venue's checksum of the book after this message (Kraken <c>c</c> as unsigned, OKX <c>checksum</c> as signed 32-bit); null when none.</summary>
    public long? Checksum { get; set; }

    /// <summary>The venue's event time, Unix epoch milliseconds; null when none.</summary>
    public long? TimeMs { get; set; }

    /// <summary>Empties the message for the next frame.</summary>
    public void Clear()
    {
        Symbol = "";
        IsSnapshot = false;
        Bids.Clear();
        Asks.Clear();
        Sequence = FirstSequence = PreviousSequence = Checksum = TimeMs = null;
    }
}

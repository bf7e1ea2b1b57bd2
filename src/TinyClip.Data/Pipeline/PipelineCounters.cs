namespace TinyClip.Data.Pipeline;

/// <summary>
/// Live and peak counts of what the pipeline holds, so tests and metrics can check that memory is
/// bounded by configuration: row groups resident (encoded bytes), decoded samples not yet copied
/// into a batch, batches assembled, and the work done: samples decoded, bytes read.
/// </summary>
public sealed class PipelineCounters
{
    private long _rowGroupsResident, _peakRowGroupsResident;
    private long _decodedAlive, _peakDecodedAlive;
    private long _samplesDecoded, _samplesFailed, _batchesAssembled, _bytesRead;

    public long RowGroupsResident => Interlocked.Read(ref _rowGroupsResident);
    public long PeakRowGroupsResident => Interlocked.Read(ref _peakRowGroupsResident);
    public long DecodedSamplesAlive => Interlocked.Read(ref _decodedAlive);
    public long PeakDecodedSamplesAlive => Interlocked.Read(ref _peakDecodedAlive);
    public long SamplesDecoded => Interlocked.Read(ref _samplesDecoded);
    public long SamplesFailed => Interlocked.Read(ref _samplesFailed);
    public long BatchesAssembled => Interlocked.Read(ref _batchesAssembled);
    /// <summary>Bytes of Parquet row groups read (what the readers asked of the files).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public void RowGroupsLoaded(int count) => RaisePeak(ref _peakRowGroupsResident, Interlocked.Add(ref _rowGroupsResident, count));
    public void RowGroupsReleased(int count) => Interlocked.Add(ref _rowGroupsResident, -count);

    public void SampleDecoded()
    {
        Interlocked.Increment(ref _samplesDecoded);
        RaisePeak(ref _peakDecodedAlive, Interlocked.Increment(ref _decodedAlive));
    }

    public void SampleCopiedIntoBatch() => Interlocked.Decrement(ref _decodedAlive);
    public void SampleFailed() => Interlocked.Increment(ref _samplesFailed);
    public void BatchAssembled() => Interlocked.Increment(ref _batchesAssembled);
    public void AddBytesRead(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    private static void RaisePeak(ref long peak, long value)
    {
        var seen = Interlocked.Read(ref peak);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref peak, value, seen);
            if (previous == seen) return;
            seen = previous;
        }
    }
}

using TinyClip.Data.Reading.Guard;
using System.Text;
using Parquet;
using Parquet.Data;
using Parquet.Schema;
using TinyClip.Data.Layouts;
using TinyClip.Data.Manifest;
using TinyClip.Data.Quarantine;

namespace TinyClip.Data.Reading;

/// <summary>
/// Reads the rows of one row group. Columns are read raw and a value counts as present only when its
/// definition level equals the field's maximum: the nullable convenience readers treat level 0 as the
/// only null, which is wrong for nested optional fields such as Hugging Face's <c>image.bytes</c>.
/// <para>
/// A row group whose bytes are damaged (whatever the checks or the library throw on them) is quarantined and yields rows
/// that all carry the reason, so the order still sees them; every node reads the same bytes, so every node skips the
/// same rows. An I/O error (<see cref="FileIoException"/>) says nothing about the bytes and may not happen on another
/// node: it is retried by the <see cref="ReadRetryPolicy"/> and then fails the read with <see cref="DataReadException"/>,
/// quarantining nothing.
/// </para>
/// </summary>
public static class RowGroupReader
{
    /// <param name="bytesRead">Told the bytes each attempt read from the file.</param>
    /// <param name="shards">Where the file's bytes are (default: the file itself; a cache for remote data).</param>
    /// <exception cref="DataReadException">I/O errors on every attempt, or a remote file that could not be fetched.</exception>
    public static async Task<RawSample[]> ReadAsync(DatasetManifest manifest, ManifestRowGroup group, QuarantineLog quarantine, ReadRetryPolicy retry,
        Action<long>? bytesRead = null, IShardFiles? shards = null, CancellationToken cancellationToken = default)
    {
        var file = manifest.Files[group.FileIndex];
        try
        {
            return await retry.RunAsync(file.Path, group.RowGroupIndex,
                token => ReadRowsAsync(file, group, quarantine, bytesRead, shards ?? LocalShardFiles.Instance, token), cancellationToken);
        }
        catch (Remote.ShardFetchException e)
        {
            // Not damage: the bytes never arrived (or were refused), which quarantining would hide; fail like an I/O error.
            throw new DataReadException(file.Path, group.RowGroupIndex, e.Attempts, e);
        }
        catch (Exception e) when (e is not (OperationCanceledException or DataReadException))
        {
            var reason = $"row group {group.RowGroupIndex} unreadable: {e.Message}";
            quarantine.Record(new QuarantineEntry(file.Path, null, group.RowGroupIndex, reason, QuarantineKind.RowGroup));
            return Enumerable.Range(0, checked((int)group.RowCount))
                .Select(row => new RawSample(group.FirstSampleId + row, file.Path, file.RowGroupRows.Take(group.RowGroupIndex).Sum() + row, PositionalKey(file.Path, group, row), null, null, null, reason, QuarantineKind.RowGroup))
                .ToArray();
        }
    }

    private static async Task<RawSample[]> ReadRowsAsync(ManifestFile file, ManifestRowGroup group, QuarantineLog quarantine, Action<long>? bytesRead,
        IShardFiles shards, CancellationToken cancellationToken)
    {
        using var lease = await shards.AcquireAsync(file, cancellationToken);
        await using var stream = IoErrorMarkingStream.OpenRead(lease.LocalPath);
        using var counting = new ReadBytesReport(stream, bytesRead);
        var (opened, footerStart) = await ParquetFooterCheck.OpenWithFooterStartAsync(stream, cancellationToken);
        await using var reader = opened;
        using var rowGroupReader = reader.OpenRowGroupReader(group.RowGroupIndex);
        var rowGroup = new CheckedRowGroup(stream, footerStart, rowGroupReader);
        var columns = file.Columns;
        var rowCount = checked((int)rowGroupReader.RowCount);
        if (rowCount != group.RowCount) throw new InvalidDataException($"row group has {rowCount} rows, manifest says {group.RowCount}");

        var images = await ReadBinaryAsync(reader, rowGroup, new FieldPath(columns.ImagePath), rowCount, cancellationToken);
        // A file without captions is a set of labelled images (evaluation only): its rows need a label instead.
        var captions = columns.CaptionColumn is null ? null : await ReadTextAsync(reader, rowGroup, columns.CaptionColumn, rowCount, cancellationToken);
        var keys = columns.KeyColumn is null ? null : await ReadKeysAsync(reader, rowGroup, columns.KeyColumn, rowCount, cancellationToken);
        var statuses = columns.StatusColumn is null ? null : await ReadTextAsync(reader, rowGroup, columns.StatusColumn, rowCount, cancellationToken);
        var labels = columns.LabelColumn is null ? null : await ReadIntegersAsync(reader, rowGroup, columns.LabelColumn, rowCount, cancellationToken);

        // Rows are reported by their index in the file, which is what users can look up.
        var firstRow = file.RowGroupRows.Take(group.RowGroupIndex).Sum();
        var samples = new RawSample[rowCount];
        for (var row = 0; row < rowCount; row++)
        {
            var key = keys?[row] ?? PositionalKey(file.Path, group, row);
            var (reason, kind) = statuses is not null && statuses[row] != "success" ? ($"status is '{statuses[row]}'", QuarantineKind.NotDownloaded)
                : images[row] is null ? ("image is null", QuarantineKind.Sample)
                : captions is not null && string.IsNullOrWhiteSpace(captions[row]) ? ("caption is null or empty", QuarantineKind.Sample)
                : captions is null && labels![row] is null ? ("label is null", QuarantineKind.Sample)
                : ((string?)null, QuarantineKind.Sample);
            var label = labels?[row] is { } value ? (int?)checked((int)value) : null;
            samples[row] = new RawSample(group.FirstSampleId + row, file.Path, firstRow + row, key, images[row], captions?[row], label, reason, kind);
            if (reason is not null) quarantine.Record(new QuarantineEntry(file.Path, key, firstRow + row, reason, kind));
        }
        return samples;
    }

    /// <summary>Tells what a stream read once the attempt ends, however it ends.</summary>
    private readonly struct ReadBytesReport(IoErrorMarkingStream stream, Action<long>? report) : IDisposable
    {
        public void Dispose() => report?.Invoke(stream.BytesRead);
    }

    private static string PositionalKey(string path, ManifestRowGroup group, int row) =>
        $"{Path.GetFileNameWithoutExtension(path)}/{group.RowGroupIndex}/{row}";

    private static async Task<byte[]?[]> ReadBinaryAsync(ParquetReader reader, CheckedRowGroup rowGroup, FieldPath path, int rowCount, CancellationToken cancellationToken)
    {
        var field = reader.Schema.FindDataField(path);
        using var raw = (RawColumnData<ReadOnlyMemory<byte>>)await rowGroup.ReadAsync(field, cancellationToken);
        return Spread(raw, field, rowCount, value => value.ToArray());
    }

    private static async Task<string?[]> ReadTextAsync(ParquetReader reader, CheckedRowGroup rowGroup, string column, int rowCount, CancellationToken cancellationToken)
    {
        var field = reader.Schema.FindDataField(column);
        using var raw = await rowGroup.ReadAsync(field, cancellationToken);
        // Some writers store text as plain binary without the UTF-8 annotation.
        return raw switch
        {
            RawColumnData<ReadOnlyMemory<char>> text => Spread(text, field, rowCount, value => new string(value.Span)),
            RawColumnData<ReadOnlyMemory<byte>> bytes => Spread(bytes, field, rowCount, value => Encoding.UTF8.GetString(value.Span)),
            _ => throw new InvalidDataException($"column '{column}' is not text"),
        };
    }

    private static async Task<string?[]> ReadKeysAsync(ParquetReader reader, CheckedRowGroup rowGroup, string column, int rowCount, CancellationToken cancellationToken)
    {
        var field = reader.Schema.FindDataField(column);
        if (field.ClrType == typeof(ReadOnlyMemory<char>)) return await ReadTextAsync(reader, rowGroup, column, rowCount, cancellationToken);
        var numbers = await ReadIntegersAsync(reader, rowGroup, column, rowCount, cancellationToken);
        return numbers.Select(n => n?.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static async Task<long?[]> ReadIntegersAsync(ParquetReader reader, CheckedRowGroup rowGroup, string column, int rowCount, CancellationToken cancellationToken)
    {
        var field = reader.Schema.FindDataField(column);
        using var raw = await rowGroup.ReadAsync(field, cancellationToken);
        return raw switch
        {
            RawColumnData<int> ints => Spread(ints, field, rowCount, value => (long?)value),
            RawColumnData<long> longs => Spread(longs, field, rowCount, value => (long?)value),
            _ => throw new InvalidDataException($"column '{column}' is not an integer"),
        };
    }

    /// <summary>A row group whose column chunks are read only after <see cref="ColumnChunkPageCheck"/> passed them.</summary>
    private sealed record CheckedRowGroup(Stream File, long FooterStart, ParquetRowGroupReader Reader)
    {
        public async Task<RawColumnData> ReadAsync(DataField field, CancellationToken cancellationToken)
        {
            var chunk = Reader.GetMetadata(field)?.MetaData ?? throw new InvalidDataException($"the row group has no column chunk for '{field.Path}'");
            await ColumnChunkPageCheck.CheckAsync(File, chunk, FooterStart, field.Path.ToString(), cancellationToken);
            return await Reader.ReadRawColumnDataBaseAsync(field, cancellationToken);
        }
    }

    /// <summary>Raw values are dense (nulls take no slot): walk the definition levels to put them back on their rows.</summary>
    private static TOut?[] Spread<TIn, TOut>(RawColumnData<TIn> raw, DataField field, int rowCount, Func<TIn, TOut> convert) where TIn : struct
    {
        var result = new TOut?[rowCount];
        var values = raw.Values;
        if (field.MaxDefinitionLevel == 0)
        {
            for (var row = 0; row < rowCount; row++) result[row] = convert(values[row]);
            return result;
        }
        var levels = raw.DefinitionLevels;
        if (levels.Length != rowCount) throw new InvalidDataException($"column '{field.Path}' has {levels.Length} levels for {rowCount} rows");
        var next = 0;
        for (var row = 0; row < rowCount; row++)
            if (levels[row] == field.MaxDefinitionLevel) result[row] = convert(values[next++]);
        return result;
    }
}

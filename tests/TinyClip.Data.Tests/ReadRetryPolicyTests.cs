using TinyClip.Data.Reading;

namespace TinyClip.Data.Tests;

public class ReadRetryPolicyTests
{
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(200);

    /// <summary>A policy whose waits are recorded, not slept.</summary>
    private static ReadRetryPolicy Recording(int retries, List<TimeSpan> waits) =>
        new(retries, Backoff, (wait, _) =>
        {
            waits.Add(wait);
            return Task.CompletedTask;
        });

    [Fact]
    public async Task IO_errors_are_retried_with_doubling_waits_then_fail_naming_the_file_row_group_attempts_and_last_error()
    {
        var waits = new List<TimeSpan>();
        var attempts = 0;

        var error = await Assert.ThrowsAsync<DataReadException>(() => Recording(4, waits).RunAsync<int>("/data/a.parquet", 3, _ =>
        {
            attempts++;
            throw new FileIoException(new IOException($"read failed on try {attempts}"));
        }));

        Assert.Equal(5, attempts);
        Assert.Equal([200, 400, 800, 1600], waits.Select(w => w.TotalMilliseconds));
        Assert.Equal(("/data/a.parquet", 3, 5), (error.File, error.RowGroup, error.Attempts));
        Assert.Equal("row group 3 of '/data/a.parquet' could not be read in 5 attempts (an I/O error, so nothing was quarantined); " +
                     "the last error: IOException: read failed on try 5", error.Message);
        Assert.IsType<FileIoException>(error.InnerException);
    }

    [Fact]
    public async Task A_transient_IO_error_is_retried_until_the_read_succeeds()
    {
        var waits = new List<TimeSpan>();
        var attempts = 0;

        var result = await Recording(4, waits).RunAsync("a.parquet", 0, _ =>
            ++attempts <= 2 ? throw new FileIoException(new TimeoutException("stalled")) : Task.FromResult("rows"));

        Assert.Equal(("rows", 3), (result, attempts));
        Assert.Equal([200, 400], waits.Select(w => w.TotalMilliseconds));
    }

    public static TheoryData<Exception> ContentErrors() => new()
    {
        new InvalidDataException("damaged page header"),
        // Parquet.Net reports damaged bytes as a plain IOException: only the file's own errors are I/O errors.
        new IOException("only 3 out of 10 bytes are available"),
#pragma warning disable CA2201 // what Parquet.Net throws on some damaged bytes, reproduced
        new IndexOutOfRangeException(),
#pragma warning restore CA2201
    };

    [Theory]
    [MemberData(nameof(ContentErrors))]
    public async Task Any_other_error_is_not_retried(Exception damage)
    {
        var waits = new List<TimeSpan>();
        var attempts = 0;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Recording(4, waits).RunAsync<int>("a.parquet", 0, _ =>
        {
            attempts++;
            throw damage;
        }));

        Assert.Same(damage, error);
        Assert.Equal(1, attempts);
        Assert.Empty(waits);
    }

    [Fact]
    public async Task No_retries_means_one_attempt()
    {
        var waits = new List<TimeSpan>();

        var error = await Assert.ThrowsAsync<DataReadException>(() =>
            Recording(0, waits).RunAsync<int>("a.parquet", 1, _ => throw new FileIoException(new UnauthorizedAccessException("denied"))));

        Assert.Equal(1, error.Attempts);
        Assert.Empty(waits);
    }
}

namespace TinyClip.Data.Settings;

/// <summary>
/// Where <c>s3://</c> inputs are read from. Credentials are not settings: they come from the AWS SDK's default chain
/// (environment, profile, instance role), so a plan never holds one and nothing prints one.
/// </summary>
/// <param name="Endpoint">The service URL of an S3-compatible store; null for AWS itself.</param>
/// <param name="Region">The signing region; null lets the SDK find it.</param>
/// <param name="ForcePathStyle">Address buckets as <c>endpoint/bucket/key</c> (most S3-compatible stores need it).</param>
public sealed record S3Settings(string? Endpoint, string? Region, bool ForcePathStyle);

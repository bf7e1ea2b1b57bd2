using V = TinyClip.Data.Reading.Guard.ThriftValueShape;

namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// The Parquet footer (<c>FileMetaData</c> in the format's <c>parquet.thrift</c>) as Parquet.Net 6.1.0 decodes it:
/// every struct it reaches from <c>FileMetaData</c> and every field it knows there, which is the whole current format.
/// Enums are i32 on the wire.
/// </summary>
public static class ParquetFooterShape
{
    internal static ThriftFieldShape F(short id, string name, ThriftValueShape value) => new(id, name, value);

    private static ThriftStructShape Empty(string name) => new(name);

    private static readonly ThriftStructShape KeyValue = new("KeyValue", F(1, "key", V.Binary), F(2, "value", V.Binary));

    private static readonly ThriftStructShape DecimalType = new("DecimalType", F(1, "scale", V.I32), F(2, "precision", V.I32));

    private static readonly ThriftStructShape TimeUnit = new("TimeUnit",
        F(1, "MILLIS", V.Of(Empty("MilliSeconds"))), F(2, "MICROS", V.Of(Empty("MicroSeconds"))), F(3, "NANOS", V.Of(Empty("NanoSeconds"))));

    private static readonly ThriftStructShape LogicalType = new("LogicalType",
        F(1, "STRING", V.Of(Empty("StringType"))),
        F(2, "MAP", V.Of(Empty("MapType"))),
        F(3, "LIST", V.Of(Empty("ListType"))),
        F(4, "ENUM", V.Of(Empty("EnumType"))),
        F(5, "DECIMAL", V.Of(DecimalType)),
        F(6, "DATE", V.Of(Empty("DateType"))),
        F(7, "TIME", V.Of(new ThriftStructShape("TimeType", F(1, "isAdjustedToUTC", V.Bool), F(2, "unit", V.Of(TimeUnit))))),
        F(8, "TIMESTAMP", V.Of(new ThriftStructShape("TimestampType", F(1, "isAdjustedToUTC", V.Bool), F(2, "unit", V.Of(TimeUnit))))),
        F(10, "INTEGER", V.Of(new ThriftStructShape("IntType", F(1, "bitWidth", V.Byte), F(2, "isSigned", V.Bool)))),
        F(11, "UNKNOWN", V.Of(Empty("NullType"))),
        F(12, "JSON", V.Of(Empty("JsonType"))),
        F(13, "BSON", V.Of(Empty("BsonType"))),
        F(14, "UUID", V.Of(Empty("UUIDType"))),
        F(15, "FLOAT16", V.Of(Empty("Float16Type"))),
        F(16, "VARIANT", V.Of(new ThriftStructShape("VariantType", F(1, "specification_version", V.Byte)))),
        F(17, "GEOMETRY", V.Of(new ThriftStructShape("GeometryType", F(1, "crs", V.Binary)))),
        F(18, "GEOGRAPHY", V.Of(new ThriftStructShape("GeographyType", F(1, "crs", V.Binary), F(2, "algorithm", V.I32)))));

    private static readonly ThriftStructShape SchemaElement = new("SchemaElement",
        F(1, "type", V.I32),
        F(2, "type_length", V.I32),
        F(3, "repetition_type", V.I32),
        F(4, "name", V.Binary),
        F(5, "num_children", V.I32),
        F(6, "converted_type", V.I32),
        F(7, "scale", V.I32),
        F(8, "precision", V.I32),
        F(9, "field_id", V.I32),
        F(10, "logicalType", V.Of(LogicalType)));

    /// <summary>Also the statistics of data page headers.</summary>
    internal static readonly ThriftStructShape Statistics = new("Statistics",
        F(1, "max", V.Binary),
        F(2, "min", V.Binary),
        F(3, "null_count", V.I64),
        F(4, "distinct_count", V.I64),
        F(5, "max_value", V.Binary),
        F(6, "min_value", V.Binary),
        F(7, "is_max_value_exact", V.Bool),
        F(8, "is_min_value_exact", V.Bool));

    private static readonly ThriftStructShape PageEncodingStats = new("PageEncodingStats",
        F(1, "page_type", V.I32), F(2, "encoding", V.I32), F(3, "count", V.I32));

    private static readonly ThriftStructShape SizeStatistics = new("SizeStatistics",
        F(1, "unencoded_byte_array_data_bytes", V.I64),
        F(2, "repetition_level_histogram", V.ListOf(V.I64)),
        F(3, "definition_level_histogram", V.ListOf(V.I64)));

    private static readonly ThriftStructShape BoundingBox = new("BoundingBox",
        F(1, "xmin", V.Double), F(2, "xmax", V.Double), F(3, "ymin", V.Double), F(4, "ymax", V.Double),
        F(5, "zmin", V.Double), F(6, "zmax", V.Double), F(7, "mmin", V.Double), F(8, "mmax", V.Double));

    private static readonly ThriftStructShape GeospatialStatistics = new("GeospatialStatistics",
        F(1, "bbox", V.Of(BoundingBox)), F(2, "geospatial_types", V.ListOf(V.I32)));

    private static readonly ThriftStructShape ColumnMetaData = new("ColumnMetaData",
        F(1, "type", V.I32),
        F(2, "encodings", V.ListOf(V.I32)),
        F(3, "path_in_schema", V.ListOf(V.Binary)),
        F(4, "codec", V.I32),
        F(5, "num_values", V.I64),
        F(6, "total_uncompressed_size", V.I64),
        F(7, "total_compressed_size", V.I64),
        F(8, "key_value_metadata", V.ListOf(V.Of(KeyValue))),
        F(9, "data_page_offset", V.I64),
        F(10, "index_page_offset", V.I64),
        F(11, "dictionary_page_offset", V.I64),
        F(12, "statistics", V.Of(Statistics)),
        F(13, "encoding_stats", V.ListOf(V.Of(PageEncodingStats))),
        F(14, "bloom_filter_offset", V.I64),
        F(15, "bloom_filter_length", V.I32),
        F(16, "size_statistics", V.Of(SizeStatistics)),
        F(17, "geospatial_statistics", V.Of(GeospatialStatistics)));

    private static readonly ThriftStructShape ColumnCryptoMetaData = new("ColumnCryptoMetaData",
        F(1, "ENCRYPTION_WITH_FOOTER_KEY", V.Of(Empty("EncryptionWithFooterKey"))),
        F(2, "ENCRYPTION_WITH_COLUMN_KEY", V.Of(new ThriftStructShape("EncryptionWithColumnKey",
            F(1, "path_in_schema", V.ListOf(V.Binary)), F(2, "key_metadata", V.Binary)))));

    private static readonly ThriftStructShape ColumnChunk = new("ColumnChunk",
        F(1, "file_path", V.Binary),
        F(2, "file_offset", V.I64),
        F(3, "meta_data", V.Of(ColumnMetaData)),
        F(4, "offset_index_offset", V.I64),
        F(5, "offset_index_length", V.I32),
        F(6, "column_index_offset", V.I64),
        F(7, "column_index_length", V.I32),
        F(8, "crypto_metadata", V.Of(ColumnCryptoMetaData)),
        F(9, "encrypted_column_metadata", V.Binary));

    private static readonly ThriftStructShape SortingColumn = new("SortingColumn",
        F(1, "column_idx", V.I32), F(2, "descending", V.Bool), F(3, "nulls_first", V.Bool));

    private static readonly ThriftStructShape RowGroup = new("RowGroup",
        F(1, "columns", V.ListOf(V.Of(ColumnChunk))),
        F(2, "total_byte_size", V.I64),
        F(3, "num_rows", V.I64),
        F(4, "sorting_columns", V.ListOf(V.Of(SortingColumn))),
        F(5, "file_offset", V.I64),
        F(6, "total_compressed_size", V.I64),
        F(7, "ordinal", V.I16));

    private static readonly ThriftStructShape ColumnOrder = new("ColumnOrder", F(1, "TYPE_ORDER", V.Of(Empty("TypeDefinedOrder"))));

    private static ThriftStructShape AesGcm(string name) => new(name,
        F(1, "aad_prefix", V.Binary), F(2, "aad_file_unique", V.Binary), F(3, "supply_aad_prefix", V.Bool));

    private static readonly ThriftStructShape EncryptionAlgorithm = new("EncryptionAlgorithm",
        F(1, "AES_GCM_V1", V.Of(AesGcm("AesGcmV1"))), F(2, "AES_GCM_CTR_V1", V.Of(AesGcm("AesGcmCtrV1"))));

    public static readonly ThriftStructShape FileMetaData = new("FileMetaData",
        F(1, "version", V.I32),
        F(2, "schema", V.ListOf(V.Of(SchemaElement))),
        F(3, "num_rows", V.I64),
        F(4, "row_groups", V.ListOf(V.Of(RowGroup))),
        F(5, "key_value_metadata", V.ListOf(V.Of(KeyValue))),
        F(6, "created_by", V.Binary),
        F(7, "column_orders", V.ListOf(V.Of(ColumnOrder))),
        F(8, "encryption_algorithm", V.Of(EncryptionAlgorithm)),
        F(9, "footer_signing_key_metadata", V.Binary));
}

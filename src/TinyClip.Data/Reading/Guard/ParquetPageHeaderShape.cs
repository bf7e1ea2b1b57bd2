using static TinyClip.Data.Reading.Guard.ParquetFooterShape;
using V = TinyClip.Data.Reading.Guard.ThriftValueShape;

namespace TinyClip.Data.Reading.Guard;

/// <summary>
/// A Parquet page header (<c>PageHeader</c> in the format's <c>parquet.thrift</c>) as Parquet.Net 6.1.0 decodes it,
/// with the fields <see cref="ColumnChunkPageCheck"/> reads by name. Enums are i32 on the wire.
/// </summary>
public static class ParquetPageHeaderShape
{
    public static readonly ThriftStructShape DataPageHeader = new("DataPageHeader",
        F(1, "num_values", V.I32),
        F(2, "encoding", V.I32),
        F(3, "definition_level_encoding", V.I32),
        F(4, "repetition_level_encoding", V.I32),
        F(5, "statistics", V.Of(Statistics)));

    public static readonly ThriftStructShape DictionaryPageHeader = new("DictionaryPageHeader",
        F(1, "num_values", V.I32),
        F(2, "encoding", V.I32),
        F(3, "is_sorted", V.Bool));

    public static readonly ThriftStructShape DataPageHeaderV2 = new("DataPageHeaderV2",
        F(1, "num_values", V.I32),
        F(2, "num_nulls", V.I32),
        F(3, "num_rows", V.I32),
        F(4, "encoding", V.I32),
        F(5, "definition_levels_byte_length", V.I32),
        F(6, "repetition_levels_byte_length", V.I32),
        F(7, "is_compressed", V.Bool),
        F(8, "statistics", V.Of(Statistics)));

    public static readonly ThriftStructShape PageHeader = new("PageHeader",
        F(1, "type", V.I32),
        F(2, "uncompressed_page_size", V.I32),
        F(3, "compressed_page_size", V.I32),
        F(4, "crc", V.I32),
        F(5, "data_page_header", V.Of(DataPageHeader)),
        F(6, "index_page_header", V.Of(new ThriftStructShape("IndexPageHeader"))),
        F(7, "dictionary_page_header", V.Of(DictionaryPageHeader)),
        F(8, "data_page_header_v2", V.Of(DataPageHeaderV2)));
}

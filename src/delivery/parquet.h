/* A small Apache Parquet writer for S3 deliveries with outputFormat
 * "parquet" (issue 10 §2).  Debian ships no Parquet (nor Thrift compact
 * protocol) library for C, so this is Sluice's own, limited to what vended
 * logs need:
 *
 *   schema     a flat message "schema" of OPTIONAL columns, one per
 *              recordField, in order: BYTE_ARRAY + STRING (UTF8) by default,
 *              or the catalog's type (cat_field.type): int -> INT32,
 *              long -> INT64, double -> DOUBLE, boolean -> BOOLEAN,
 *              timestamp -> INT64 TIMESTAMP(isAdjustedToUTC, MILLIS).
 *              Both the LogicalType and the legacy ConvertedType are written.
 *   rows       one per JSON object; a field that is absent, JSON null, or
 *              (typed columns) "" or a value that does not convert is a null
 *              (definition level 0).  Conversions: int/long accept JSON
 *              integers, integral doubles and decimal strings in range;
 *              double accepts numbers and numeric strings; boolean accepts
 *              true/false and "true"/"false"; timestamp accepts numbers and
 *              decimal strings as milliseconds since the epoch and
 *              "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm]" text.  String columns
 *              take strings as they are and other values as their text
 *              (integers in decimal, doubles in the shortest round-trip
 *              form, true/false, objects and arrays as compact JSON).
 *   layout     "PAR1", row groups (a new one every `row_group_rows` rows or
 *              when the buffered values reach `row_group_bytes`), each with
 *              one column chunk per column made of DataPage V1 pages of about
 *              `page_bytes` values each: definition levels in the RLE /
 *              bit-packed hybrid (bit width 1, 4-byte length prefix), values
 *              PLAIN; each page compressed on its own (GZIP via ISA-L, the
 *              gzip Sluice already links; or UNCOMPRESSED); then the footer
 *              FileMetaData in the Thrift compact protocol, its 4-byte
 *              little-endian length and "PAR1".  Column metadata carries
 *              null_count statistics.  No dictionary, no page index, no CRC.
 *
 * Memory: the writer owns its buffers (malloc); pq_finish/pq_abort free it.
 * Row groups are appended to the caller's `out` as they fill, so the writer
 * itself holds at most one row group.  Not thread-safe per writer; separate
 * writers are independent. */
#ifndef SLUICE_DELIVERY_PARQUET_H
#define SLUICE_DELIVERY_PARQUET_H

#include "../core/buf.h"
#include "../core/common.h"

struct jval;
struct dlv_line;

enum pq_type { PQ_STRING, PQ_INT32, PQ_INT64, PQ_DOUBLE, PQ_BOOLEAN, PQ_TIMESTAMP_MS };
enum pq_codec { PQ_UNCOMPRESSED = 0, PQ_GZIP = 2 };   /* Parquet's CompressionCodec numbers */

struct pq_column {
    const char *name;
    enum pq_type type;
};

struct pq_options {
    enum pq_codec codec;          /* default (zeroed options: see pq_default_options) */
    size_t row_group_rows;        /* max rows per row group */
    size_t row_group_bytes;       /* max uncompressed value bytes per row group */
    size_t page_bytes;            /* target uncompressed bytes per data page */
};
/* GZIP, 1,000,000 rows, 128 MiB, 1 MiB. */
struct pq_options pq_default_options(void);

/* The column type of a catalog field type ("string", "int", "long",
 * "double", "boolean", "timestamp"); NULL and anything else: PQ_STRING. */
enum pq_type pq_type_of(const char *catalog_type);

struct pq_writer;

/* Start a file of these columns (names are copied).  NULL with *why when
 * there are no columns or a name is empty or repeated.  opt NULL: defaults. */
struct pq_writer *pq_begin(const struct pq_column *cols, size_t ncols,
                           const struct pq_options *opt, struct buf *out, const char **why);
/* One row from a parsed JSON object (src/json/json.h).  C_ERR (nothing
 * added) if obj is not a J_OBJ.  Columns are looked up by name; a message
 * repeating a key: the first occurrence is used. */
int pq_add_row(struct pq_writer *w, const struct jval *obj, const char **why);
/* Rows added so far. */
uint64_t pq_rows(const struct pq_writer *w);
/* Values that were present but could not be converted to their column's
 * type (written as nulls). */
uint64_t pq_unconverted(const struct pq_writer *w);
/* Flush the last row group and write the footer to out; frees w. */
int pq_finish(struct pq_writer *w);
/* Free w without finishing (out keeps what was appended: discard it). */
void pq_abort(struct pq_writer *w);

/* The S3 sink's one call: a whole Parquet file (into out, appended) from a
 * batch of lines that are JSON objects — the engine's json-formatted lines
 * of the delivery's recordFields are the intended input (every value a
 * string; typed columns convert them back), raw producer messages work too.
 * fields/types: the recordFields and, for each, the catalog's type name or
 * NULL (string).  Lines that are not JSON objects are skipped and counted in
 * *bad (may be NULL).  C_ERR with *why when the schema is unusable
 * (no fields, a repeated or empty name); out is then unchanged. */
int pq_file_from_lines(const char *const *fields, const char *const *types, size_t nfields,
                       const struct dlv_line *lines, size_t n, struct buf *out, size_t *bad,
                       const char **why);

#endif
